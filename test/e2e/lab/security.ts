// Hardening checked on the installed lab: Secrets are ciphertext in etcd (and stay so across a
// rotation of their key), the audit log records
// changes (Secrets at Metadata level only, never their contents), files holding keys are 0600
// root, profiling is off, kube-proxy's metrics answer on loopback only, and admin.conf is a
// cluster-admin by RBAC (cut off by deleting its binding), not a system:masters credential.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdctl, LOCAL_ETCD } from '../../../cluster/etcdctl';
import { files, kubeconfigs, pki } from '../../../cluster/layout';
import { renderClusterAdminsBinding } from '../../../cluster/manifests/rbac';
import { encryptedSecretPrefix, parseEncryptionConfig } from '../../../cluster/render/encryption';
import type { RotateEncryptionKeyResult } from '../../../workflows/rotate-encryption-key';
import { controlPlaneHosts, nodeHosts } from '../../../cluster/topology';
import { eventually } from '../../helpers/temporal';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanHostKeys } from '../../../activities/ssh/host-key-scan';
import { scanTargets } from '../../../client/commands/hosts';
import { kubectl, longLabTest, type InstalledLab } from './installed-lab';

const MARKER = 'hakube-e2e-secret-value-0451';

export function registerSecurityTests(ctx: InstalledLab): void {
  const m1 = () => ctx.on('master-1');

  test('security: a Secret read straight from etcd is ciphertext; the API reads it back', async () => {
    await m1().run(kubectl('-n default delete secret security-check --ignore-not-found'));
    await m1().run(kubectl(`-n default create secret generic security-check --from-literal=v=${MARKER}`));
    const raw = await m1().run(
      `${etcdctl(LOCAL_ETCD, 'get /registry/secrets/default/security-check --print-value-only')} | base64 -w0`,
    );
    const value = Buffer.from(raw.stdout.trim(), 'base64');
    assert.ok(value.length > 0, 'the Secret is not in etcd');
    assert.equal(value.subarray(0, encryptedSecretPrefix().length).toString(), encryptedSecretPrefix());
    assert.equal(value.includes(MARKER), false, 'the Secret is in etcd in the clear');
    const back = await m1().run(kubectl("-n default get secret security-check -o jsonpath='{.data.v}'"));
    assert.equal(Buffer.from(back.stdout.trim(), 'base64').toString(), MARKER);
  });

  test(
    'security: rotate-encryption-key: every Secret ends under the new key alone, readable, on every apiserver',
    { skip: longLabTest() },
    async () => {
      const started = await ctx.client.startEncryptionKeyRotation({
        cluster: ctx.cluster,
        approvedBy: 'e2e',
      });
      const result = await ctx.client.result<RotateEncryptionKeyResult>(started.workflowId);
      assert.equal(result.staged?.staged, 'key2');
      assert.deepEqual(result.keys, ['key2']);
      assert.ok((result.rewritten ?? 0) >= 1 && result.secrets?.plaintext === 0, JSON.stringify(result));
      const raw = await m1().run(
        `${etcdctl(LOCAL_ETCD, 'get /registry/secrets/default/security-check --print-value-only')} | base64 -w0`,
      );
      const value = Buffer.from(raw.stdout.trim(), 'base64');
      assert.equal(
        value.subarray(0, encryptedSecretPrefix('key2').length).toString(),
        encryptedSecretPrefix('key2'),
      );
      const back = await m1().run(kubectl("-n default get secret security-check -o jsonpath='{.data.v}'"));
      assert.equal(Buffer.from(back.stdout.trim(), 'base64').toString(), MARKER);
      for (const h of controlPlaneHosts(ctx.cluster)) {
        const config = (await ctx.on(h.name).run(`cat ${files.encryptionConfig}`)).stdout;
        assert.deepEqual(
          parseEncryptionConfig(config)?.map((k) => k.name),
          ['key2'],
          h.name,
        );
      }
      assert.notEqual((await m1().exec(`test -e ${files.encryptionKeyStaged}`)).exitCode, 0);
    },
  );

  test('security: the audit log records the Secret being created, at Metadata level, without its value', async () => {
    const masters = controlPlaneHosts(ctx.cluster).map((h) => h.name);
    const lines = await eventually(
      async () => {
        const found: string[] = [];
        for (const m of masters) {
          const r = await ctx
            .on(m)
            .exec(`grep -h '"name":"security-check"' /var/log/kubernetes/audit.log || true`);
          found.push(...r.stdout.split('\n').filter(Boolean));
        }
        return found.some((l) => l.includes('"verb":"create"')) ? found : undefined;
      },
      30_000,
      'an audit entry for the Secret',
    );
    for (const line of lines) {
      const entry = JSON.parse(line) as { level: string; objectRef: { resource: string } };
      assert.equal(entry.objectRef.resource, 'secrets');
      assert.equal(entry.level, 'Metadata', line);
      assert.equal(line.includes(MARKER), false, 'the audit log holds the Secret value');
    }
  });

  test('security: hosts scan finds every lab machine known; with one line gone, --accept records exactly that one', async () => {
    const scanned = await scanHostKeys(scanTargets(ctx.cluster));
    assert.deepEqual(
      scanned.map((s) => `${s.name} ${s.status}`),
      ctx.cluster.spec.hosts.map((h) => `${h.name} known`),
    );
    const original = ctx.cluster.spec.ssh.knownHosts.path;
    const copy = join(mkdtempSync(join(tmpdir(), 'hakube-kh-')), 'known_hosts');
    const [dropped, ...rest] = readFileSync(original, 'utf8').split('\n').filter(Boolean);
    writeFileSync(copy, `${rest.join('\n')}\n`);
    const cluster = {
      ...ctx.cluster,
      spec: {
        ...ctx.cluster.spec,
        ssh: { ...ctx.cluster.spec.ssh, knownHosts: { path: copy, policy: 'strict' as const } },
      },
    };
    const accepted = await scanHostKeys(scanTargets(cluster), { accept: true });
    assert.equal(accepted.filter((s) => s.accepted).length, 1);
    assert.equal(accepted.filter((s) => s.status === 'known').length, ctx.cluster.spec.hosts.length - 1);
    const recorded = readFileSync(copy, 'utf8').trim().split('\n').pop();
    assert.equal(recorded?.split(' ').slice(1).join(' '), dropped.split(' ').slice(1).join(' '));
  });

  test('security: admin.conf is hakube:cluster-admins, not system:masters; deleting its binding cuts it off, super-admin.conf is break-glass', async () => {
    const whoami = await m1().run(kubectl('auth whoami -o jsonpath={.status.userInfo.groups}'));
    const groups = JSON.parse(whoami.stdout) as string[];
    assert.ok(groups.includes('hakube:cluster-admins'), whoami.stdout);
    assert.ok(!groups.includes('system:masters'), whoami.stdout);
    assert.equal((await m1().exec(kubectl('auth can-i "*" "*"'))).stdout.trim(), 'yes');
    const superAdmin = (args: string) =>
      `/usr/local/bin/kubectl --kubeconfig=${kubeconfigs.superAdmin} --request-timeout=10s ${args}`;
    for (const h of nodeHosts(ctx.cluster).filter((n) => !controlPlaneHosts(ctx.cluster).includes(n))) {
      const held = await ctx.on(h.name).exec(`test -e ${kubeconfigs.superAdmin}`);
      assert.notEqual(held.exitCode, 0, `${h.name} holds super-admin.conf`);
    }
    try {
      await m1().run(superAdmin('delete clusterrolebinding hakube:cluster-admins'));
      await eventually(
        async () => {
          const r = await m1().exec(kubectl('get nodes'));
          return r.exitCode !== 0 && /forbidden/i.test(r.stderr) ? r : undefined;
        },
        30_000,
        'admin.conf refused once its binding is gone',
      );
      assert.equal((await m1().exec(superAdmin('get nodes -o name'))).exitCode, 0);
    } finally {
      // Bound again, as the install binds it, so the tests after this one run as before.
      await m1().run(superAdmin('apply --server-side --field-manager=hakube -f -'), {
        stdin: renderClusterAdminsBinding(),
      });
    }
    await eventually(
      async () => ((await m1().exec(kubectl('get nodes -o name'))).exitCode === 0 ? true : undefined),
      30_000,
      'admin.conf works again with its binding',
    );
  });

  test('security: key files 0600 root; profiling off; kube-proxy metrics on loopback only', async () => {
    for (const h of controlPlaneHosts(ctx.cluster)) {
      const modes = await ctx
        .on(h.name)
        .run(
          `stat -c '%n %a %U' ${[files.encryptionConfig, files.auditPolicy, pki.ca.key, pki.serviceAccount.key, pki.apiserver.key, kubeconfigs.admin, kubeconfigs.superAdmin].join(' ')}`,
        );
      for (const line of modes.stdout.trim().split('\n'))
        assert.match(line, / 600 root$/, `${h.name}: ${line}`);
    }
    const pprof = await m1().exec(kubectl('get --raw /debug/pprof/'));
    assert.notEqual(pprof.exitCode, 0, 'the apiserver serves /debug/pprof');
    for (const h of nodeHosts(ctx.cluster)) {
      const open = await ctx
        .on(h.name)
        .exec(`curl -s -o /dev/null -w '%{http_code}' http://${h.address}:10249/metrics`);
      assert.notEqual(open.stdout.trim(), '200', `${h.name}: kube-proxy metrics on ${h.address}`);
      const local = await ctx
        .on(h.name)
        .exec(`curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:10249/metrics`);
      assert.equal(local.stdout.trim(), '200', `${h.name}: kube-proxy metrics on loopback`);
    }
  });
}
