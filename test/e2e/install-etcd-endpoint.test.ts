// The install workflow on lab machines, through the real worker and dev server: preflight, OS
// preparation, binaries from a bundle, the certificate table, a 3-member etcd cluster with TLS,
// and the haproxy + keepalived endpoint with VIP failover. (The Kubernetes control plane needs
// the Kubernetes bundle: see test/e2e in the install issue.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadClusterOrThrow } from '../../client/spec-file';
import type { HakubeClient } from '../../client/hakube-client';
import type { Cluster } from '../../cluster/spec';
import { etcdctl, parseMemberList } from '../../cluster/etcdctl';
import { RemoteHost, SshPool } from '../../activities/ssh';
import { sshTargetFor } from '../../activities/ssh-hosts';
import { hostByName } from '../../cluster/topology';
import { createCa, createLeaf, privateKeyPem } from '../../activities/pki/x509';
import { ensureTemporalBinary } from '../../client/server/temporal-binary';
import type { LabInfo } from '../../lab';
import { bootLab, removeLab } from '../helpers/lab-fixture';
import { makeEtcdBundle } from '../helpers/etcd-bundle';
import {
  connectClient,
  eventually,
  startTestServer,
  startTestWorker,
  type RunningWorker,
  type TestServer,
} from '../helpers/temporal';

const LAB = 't-install';
const TASK_QUEUE = 'hakube-test-install';
let lab: LabInfo;
let cluster: Cluster;
let server: TestServer;
let worker: RunningWorker;
let client: HakubeClient;
let dir: string;
const pool = new SshPool();
const on = (name: string) => new RemoteHost(pool, sshTargetFor(cluster, hostByName(cluster, name)));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hakube-install-'));
  lab = await bootLab(LAB, 3);
  cluster = loadClusterOrThrow(lab.specPath).cluster;
  cluster.spec.artifacts.bundleDir = makeEtcdBundle(join(dir, 'bundle'));
  server = await startTestServer();
  worker = await startTestWorker(server.address, TASK_QUEUE);
  client = await connectClient(server.address, TASK_QUEUE);
});

after(async () => {
  pool.closeAll();
  await client?.close();
  await worker?.stop();
  await server?.stop();
  await removeLab(LAB);
  rmSync(dir, { recursive: true, force: true });
});

const SKIP = ['control-plane', 'nodes', 'addons'];

test('install forms a 3-member TLS etcd cluster and a VIP endpoint', async () => {
  const started = await client.startInstall({ cluster, skipPhases: SKIP });
  assert.equal(started.workflowId, `install-${LAB}`);
  const result = await client.result<{ phases: { name: string; status: string }[]; warnings: string[] }>(
    started.workflowId,
  );
  assert.deepEqual(
    result.phases.map((p) => `${p.name}:${p.status}`),
    [
      'preflight:done',
      'os:done',
      'artifacts:done',
      'certs:done',
      'etcd:done',
      'endpoint:done',
      'control-plane:skipped',
      'nodes:skipped',
      'addons:skipped',
    ],
  );
  const members = parseMemberList(
    (await on('master-2').run(etcdctl('https://127.0.0.1:2379', 'member list -w json'))).stdout,
  );
  assert.deepEqual(members.map((m) => m.name).sort(), ['master-1', 'master-2', 'master-3']);
  assert.ok(members.every((m) => m.clientURLs[0]?.startsWith('https://')));
  const health = await on('master-3').run(etcdctl('https://127.0.0.1:2379', 'endpoint health --cluster'));
  // etcdctl 3.4 prints endpoint health on stderr.
  assert.equal(((health.stdout + health.stderr).match(/is healthy/g) ?? []).length, 3);
});

test('etcd refuses a client certificate from another CA', async () => {
  const now = new Date();
  const other = await createCa('intruder-ca', 'ecdsa', 30, now);
  const leaf = await createLeaf(
    {
      commonName: 'intruder',
      organizations: [],
      dnsNames: [],
      ipAddresses: [],
      usages: ['clientAuth'],
      validityDays: 1,
    },
    { cert: other.cert, key: other.keys.privateKey },
    'ecdsa',
    now,
  );
  const m1 = on('master-1');
  await m1.ensureFile('/tmp/intruder.crt', Buffer.from(leaf.cert.toString('pem')));
  await m1.ensureFile('/tmp/intruder.key', Buffer.from(await privateKeyPem(leaf.keys.privateKey)), {
    mode: 0o600,
  });
  const r = await m1.exec(
    'ETCDCTL_API=3 /usr/local/bin/etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/tmp/intruder.crt --key=/tmp/intruder.key --command-timeout=5s get foo',
  );
  assert.notEqual(r.exitCode, 0);
  const ok = await m1.exec(etcdctl('https://127.0.0.1:2379', 'put hakube-check ok'));
  assert.equal(ok.exitCode, 0, ok.stderr);
});

test('the VIP moves to another master when haproxy stops on its holder, and the LB port keeps answering', async () => {
  const vip =
    cluster.spec.controlPlaneEndpoint.mode === 'keepalived'
      ? cluster.spec.controlPlaneEndpoint.vip.split('/')[0]
      : '';
  const holder = async () => {
    for (const h of ['master-1', 'master-2', 'master-3'])
      if ((await on(h).exec(`ip -4 -o addr show | grep -qw 'inet ${vip}'`)).exitCode === 0) return h;
    return undefined;
  };
  const first = await eventually(holder, 20_000, 'a VIP holder');
  await on(first).run('systemctl stop haproxy');
  const second = await eventually(
    async () => {
      const h = await holder();
      return h && h !== first ? h : undefined;
    },
    30_000,
    'the VIP to move',
  );
  assert.notEqual(second, first);
  const probe = await on(second).exec(`timeout 3 bash -c 'exec 3<>/dev/tcp/${vip}/16443'`);
  assert.equal(probe.exitCode, 0);
  await on(first).run('systemctl start haproxy');
});

test('running install again is a no-op that verifies health; no private key in the history', async () => {
  const before = parseMemberList(
    (await on('master-1').run(etcdctl('https://127.0.0.1:2379', 'member list -w json'))).stdout,
  );
  const again = await client.startInstall({ cluster, skipPhases: SKIP });
  await client.result(again.workflowId);
  const after = parseMemberList(
    (await on('master-1').run(etcdctl('https://127.0.0.1:2379', 'member list -w json'))).stdout,
  );
  assert.deepEqual(after.map((m) => m.id).sort(), before.map((m) => m.id).sort());
  const history = execFileSync(ensureTemporalBinary(), [
    'workflow',
    'show',
    '-w',
    again.workflowId,
    '-o',
    'json',
    '--address',
    server.address,
  ]).toString();
  assert.doesNotMatch(history, /PRIVATE KEY/);
  const progress = await client.progress(again.workflowId);
  assert.equal(progress.status, 'completed');
});
