// Security checks on an installed lab's hosts: who may read the keys, whom etcd talks to, what
// the apiserver and the kubelets answer a caller without credentials.
import type { RemoteHost } from '../../../activities/ssh';
import { shq } from '../../../activities/ssh/shell';
import { pki } from '../../../cluster/layout';
import { foreignClientCertificate } from '../../../test/helpers/foreign-certificate';

export interface Check {
  check: string;
  expected: string;
  got: string;
  ok: boolean;
}

export interface KeyFile {
  host: string;
  path: string;
  mode: string;
  owner: string;
  ok: boolean;
}

const KEY_DIRS = ['/etc/kubernetes', '/etc/etcd', '/var/lib/kubelet'];
/** Found by content, not by name: a PEM private key, or a kubeconfig embedding one. */
const FIND_KEYS = `grep -rlIZ -e 'PRIVATE KEY' -e 'client-key-data' ${KEY_DIRS.join(' ')} 2>/dev/null | xargs -0 -r stat -c '%a|%U:%G|%n'`;

export async function keyFiles(host: RemoteHost): Promise<KeyFile[]> {
  const r = await host.run(`${FIND_KEYS}; true`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [mode, owner, ...path] = line.split('|');
      return {
        host: host.name,
        path: path.join('|'),
        mode,
        owner,
        ok: mode === '600' && owner === 'root:root',
      };
    });
}

/** The private keys in those files (PEM blocks, kubeconfigs' client-key-data), for the history scan. */
export async function keysIn(host: RemoteHost, files: KeyFile[]): Promise<{ what: string; pem: string }[]> {
  const out: { what: string; pem: string }[] = [];
  for (const f of files) {
    const text = (await host.readFile(f.path))?.toString() ?? '';
    for (const m of text.matchAll(/-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g))
      out.push({ what: `${host.name}:${f.path}`, pem: m[0] });
    for (const m of text.matchAll(/client-key-data:\s*(\S+)/g))
      out.push({
        what: `${host.name}:${f.path} (client-key-data)`,
        pem: Buffer.from(m[1], 'base64').toString(),
      });
  }
  return out;
}

const tail = (s: string) => s.trim().split('\n').pop()?.slice(0, 140) ?? '';

/** etcd on each member address, asked from `from`: refused without a client cert and with a foreign one. */
export async function etcdClientChecks(
  from: RemoteHost,
  members: { name: string; address: string }[],
): Promise<Check[]> {
  const foreign = await foreignClientCertificate();
  await from.ensureFile('/tmp/pb-intruder.crt', Buffer.from(foreign.certPem));
  await from.ensureFile('/tmp/pb-intruder.key', Buffer.from(foreign.keyPem), { mode: 0o600 });
  const ca = `--cacert=${pki.etcdCa.cert}`;
  const etcdctl = (ep: string, creds: string) =>
    `/usr/local/bin/etcdctl --endpoints=${ep} ${ca} ${creds} --dial-timeout=3s --command-timeout=5s get hakube-probe`;
  const checks: Check[] = [];
  try {
    for (const m of members) {
      const ep = `https://${m.address}:2379`;
      const cases: [string, string, boolean][] = [
        ['no client certificate (etcdctl)', etcdctl(ep, ''), false],
        [
          'a client certificate from a foreign CA',
          etcdctl(ep, '--cert=/tmp/pb-intruder.crt --key=/tmp/pb-intruder.key'),
          false,
        ],
        [
          'no client certificate (curl /version)',
          `curl -sS --max-time 5 ${ca.replace('--cacert=', '--cacert ')} ${ep}/version`,
          false,
        ],
        [
          'control: the healthcheck client certificate',
          etcdctl(ep, `--cert=${pki.etcdHealthcheckClient.cert} --key=${pki.etcdHealthcheckClient.key}`),
          true,
        ],
      ];
      for (const [what, command, allowed] of cases) {
        const r = await from.exec(command);
        const accepted = r.exitCode === 0;
        checks.push({
          check: `etcd ${m.name}: ${what}`,
          expected: allowed ? 'accepted' : 'refused',
          got: accepted ? 'accepted' : `refused (exit ${r.exitCode}: ${tail(r.stderr)})`,
          ok: accepted === allowed,
        });
      }
    }
  } finally {
    await from.exec('rm -f /tmp/pb-intruder.crt /tmp/pb-intruder.key');
  }
  return checks;
}

const REFUSED_PATHS = ['/api', '/api/v1/secrets', '/api/v1/namespaces/kube-system/secrets', '/apis'];
const HEALTH_PATHS = ['/healthz', '/readyz', '/livez'];

/** Anonymous HTTPS requests (curl -k, no credentials) to each apiserver URL, from `from`. */
export async function anonymousApiserverChecks(from: RemoteHost, urls: string[]): Promise<Check[]> {
  const checks: Check[] = [];
  for (const url of urls) {
    for (const path of [...REFUSED_PATHS, ...HEALTH_PATHS]) {
      const r = await from.exec(`curl -sk --max-time 5 -w '\\n%{http_code}' ${shq(url + path)}`);
      const lines = r.stdout.trim().split('\n');
      const code = lines.pop() ?? '';
      const body = lines.join(' ').slice(0, 60);
      const health = HEALTH_PATHS.includes(path);
      checks.push({
        check: `apiserver ${url}${path} anonymous`,
        expected: health ? '200 ok' : '401/403',
        got: `${code} ${health ? body : ''}`.trim(),
        ok: health ? code === '200' && body.trim() === 'ok' : code === '401' || code === '403',
      });
    }
  }
  return checks;
}

/** The kubelet API (10250) of each host refuses an anonymous caller. */
export async function anonymousKubeletChecks(
  from: RemoteHost,
  hosts: { name: string; address: string }[],
): Promise<Check[]> {
  const checks: Check[] = [];
  for (const h of hosts) {
    const r = await from.exec(
      `curl -sk --max-time 5 -o /dev/null -w '%{http_code}' https://${h.address}:10250/pods`,
    );
    const code = r.stdout.trim();
    checks.push({
      check: `kubelet ${h.name} /pods anonymous`,
      expected: '401',
      got: code,
      ok: code === '401',
    });
  }
  return checks;
}
