// A real etcd cluster (Debian's etcd-server) on loopback with client-cert auth and peer TLS,
// for TLS tests of the issued certificates. Each member reads its files from a folder laid out
// like a host's root (…/etc/kubernetes/pki/etcd/*). Needs /usr/bin/etcd and /usr/bin/etcdctl.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pki } from '../../cluster/layout';
import { freePort } from './ports';

export const ETCD_PATH = '/usr/bin/etcd';
export const ETCDCTL_PATH = '/usr/bin/etcdctl';

export function etcdAvailable(): boolean {
  return existsSync(ETCD_PATH) && existsSync(ETCDCTL_PATH);
}

export interface EtcdMemberSpec {
  name: string;
  /** A folder holding the member's files at their host paths (etc/kubernetes/pki/etcd/...). */
  root: string;
}

export interface ClientCredentials {
  cacert: string;
  cert?: string;
  key?: string;
}

export interface EtcdTlsCluster {
  clientEndpoints: string[];
  /** etcdctl (v3 API) against the cluster with the given client credentials. */
  etcdctl(creds: ClientCredentials, args: string[]): { code: number; stdout: string; stderr: string };
  /** The tail of a member's log (for failure messages). */
  log(name: string): string;
  stop(): Promise<void>;
}

/** The member's own files (server, peer) and the etcd CA, as etcd's flags want them. */
function tlsFlags(root: string): string[] {
  const at = (p: string) => join(root, p);
  return [
    '--client-cert-auth',
    `--trusted-ca-file=${at(pki.etcdCa.cert)}`,
    `--cert-file=${at(pki.etcdServer.cert)}`,
    `--key-file=${at(pki.etcdServer.key)}`,
    '--peer-client-cert-auth',
    `--peer-trusted-ca-file=${at(pki.etcdCa.cert)}`,
    `--peer-cert-file=${at(pki.etcdPeer.cert)}`,
    `--peer-key-file=${at(pki.etcdPeer.key)}`,
  ];
}

export function clientCredentialsAt(root: string, client: { cert: string; key: string }): ClientCredentials {
  return { cacert: join(root, pki.etcdCa.cert), cert: join(root, client.cert), key: join(root, client.key) };
}

export async function startLocalEtcdCluster(
  members: EtcdMemberSpec[],
  dataRoot: string,
): Promise<EtcdTlsCluster> {
  const ports: { name: string; client: number; peer: number }[] = [];
  for (const m of members) ports.push({ name: m.name, client: await freePort(), peer: await freePort() });
  const initialCluster = ports.map((p) => `${p.name}=https://127.0.0.1:${p.peer}`).join(',');
  const children: ChildProcess[] = [];
  const logs = new Map<string, string>();
  members.forEach((m, i) => {
    const { client, peer } = ports[i];
    const dataDir = join(dataRoot, m.name);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const child = spawn(
      ETCD_PATH,
      [
        `--name=${m.name}`,
        `--data-dir=${dataDir}`,
        `--listen-client-urls=https://127.0.0.1:${client}`,
        `--advertise-client-urls=https://127.0.0.1:${client}`,
        `--listen-peer-urls=https://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=https://127.0.0.1:${peer}`,
        `--initial-cluster=${initialCluster}`,
        '--initial-cluster-state=new',
        '--initial-cluster-token=hakube-tls-test',
        ...tlsFlags(m.root),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    logs.set(m.name, '');
    child.stderr?.on('data', (d: Buffer) =>
      logs.set(m.name, ((logs.get(m.name) ?? '') + d.toString()).slice(-20_000)),
    );
    children.push(child);
  });
  const clientEndpoints = ports.map((p) => `https://127.0.0.1:${p.client}`);
  const etcdctl = (creds: ClientCredentials, args: string[]) => {
    const flags = [
      `--endpoints=${clientEndpoints.join(',')}`,
      `--cacert=${creds.cacert}`,
      '--command-timeout=5s',
    ];
    if (creds.cert) flags.push(`--cert=${creds.cert}`);
    if (creds.key) flags.push(`--key=${creds.key}`);
    const r = spawnSync(ETCDCTL_PATH, [...flags, ...args], {
      encoding: 'utf8',
      env: { ...process.env, ETCDCTL_API: '3' },
    });
    return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  };
  const stop = async () => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await once(c, 'exit');
      }
    }
  };
  return { clientEndpoints, etcdctl, stop, log: (name) => logs.get(name) ?? '' };
}

/** Polls until every member reports healthy (peer TLS must work for the cluster to form). */
export async function waitHealthy(
  cluster: EtcdTlsCluster,
  creds: ClientCredentials,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r = cluster.etcdctl(creds, ['endpoint', 'health']);
    if (r.code === 0) return;
    last = r.stderr || r.stdout;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`etcd did not become healthy: ${last}`);
}
