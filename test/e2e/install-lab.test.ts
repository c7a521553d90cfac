// The whole install on lab machines (3 control-plane + 2 workers), through the real worker and
// dev server, with the real binaries of the offline bundle: a 3-member etcd cluster with TLS,
// the haproxy + keepalived VIP, kube-apiserver / controller-manager / scheduler behind it, and
// every kubelet registered. The worker (a real `hakube worker` process) is killed with SIGKILL
// three times during that install and started again; the install still completes, and no
// completed step ran twice. Then the failovers the runbooks promise, a no-op re-run, and on the
// same lab: workloads on the bundle's images (lab/workloads.ts), CI's conformance subset
// (lab/conformance.ts), certificate check and rotation (lab/certs-*.ts), etcd backup and restore
// (lab/etcd-*.ts), nodes joining and leaving (lab/nodes.ts), and last a reset followed by a new
// install (lab/reset.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdctl, LOCAL_ETCD, parseMemberList } from '../../cluster/etcdctl';
import { foreignClientCertificate } from '../helpers/foreign-certificate';
import { openLabSession, type LabSession } from '../helpers/lab-session';
import { eventually, workflowHistoryJson } from '../helpers/temporal';
import { recordHistory } from '../helpers/record-history';
import { secretsInHistory } from '../helpers/history-scan';
import type { OperationProgress } from '../../cluster/progress';
import { installPlan } from '../../cluster/plan/install';
import { registerEtcdBackupTests } from './lab/etcd-backup';
import { registerKubeconfigTests } from './lab/kubeconfig';
import { registerCertsCheckTests } from './lab/certs-check';
import { registerCertsRotateTests } from './lab/certs-rotate';
import { registerEtcdRestoreTests } from './lab/etcd-restore';
import { registerNodeTests } from './lab/nodes';
import { registerWorkloadTests } from './lab/workloads';
import { registerConformanceTests } from './lab/conformance';
import { registerResetTests } from './lab/reset';
import { registerSecurityTests } from './lab/security';
import { registerDoctorTests } from './lab/doctor';
import { kubectl, scheduledActivities, type InstalledLab } from './lab/installed-lab';

const LAB = 't-install';
const TASK_QUEUE = 'hakube-test-install';
let session: LabSession;
const on = (name: string) => session.on(name);

async function restartWorker(why: string): Promise<void> {
  process.stderr.write(`  [crash] worker killed at: ${why}\n`);
  await session.restartWorker();
}

/** What the backup and restore modules use; they run after the install tests, on the same lab. */
const installed: InstalledLab = {
  get lab() {
    return session.lab;
  },
  get cluster() {
    return session.cluster;
  },
  get client() {
    return session.client;
  },
  get serverAddress() {
    return session.server.address;
  },
  taskQueue: TASK_QUEUE,
  on,
  useCluster: (c) => session.useCluster(c),
  restartWorker,
};

before(async () => {
  session = await openLabSession({
    name: LAB,
    taskQueue: TASK_QUEUE,
    log: (l) => process.stderr.write(`  ${l}\n`),
  });
});

after(async () => {
  await session?.close();
});

const VIP_READYZ = () => kubectl('get --raw /readyz');

/** The moments the worker is killed: mid-phase (some uploads done, others in flight), and as two later phases start. */
const CRASH_POINTS: { what: string; reached: (p: OperationProgress) => boolean }[] = [
  {
    what: 'artifacts mid-phase',
    reached: (p) => {
      const steps = p.phases.find((x) => x.name === 'artifacts')?.steps ?? [];
      const done = steps.filter((st) => st.status === 'done').length;
      return done >= 1 && done < steps.length;
    },
  },
  { what: 'etcd started', reached: (p) => p.phases.find((x) => x.name === 'etcd')?.status === 'running' },
  {
    what: 'control plane started',
    reached: (p) => p.phases.find((x) => x.name === 'control-plane')?.status === 'running',
  },
];

test('install survives three worker kills: etcd with TLS, the VIP, the control plane and every node', async () => {
  const started = await session.client.startInstall({ cluster: session.cluster });
  assert.equal(started.workflowId, `install-${LAB}`);
  for (const point of CRASH_POINTS) {
    await eventually(
      async () => point.reached(await session.client.progress(started.workflowId)),
      15 * 60_000,
      `crash point "${point.what}"`,
    );
    await restartWorker(point.what);
  }
  const result = await session.client.result<{
    phases: { name: string; status: string }[];
    warnings: string[];
  }>(started.workflowId);
  const json = workflowHistoryJson(session.server.address, started.workflowId);
  const scheduled = scheduledActivities(json);
  const twice = scheduled.filter((a, i) => scheduled.indexOf(a) !== i);
  assert.deepEqual(twice, [], 'an activity was scheduled twice');
  assert.ok(scheduled.length > 40, `only ${scheduled.length} activities scheduled`);
  assert.deepEqual(secretsInHistory(json), [], 'a secret in the install history');
  if (process.env.HAKUBE_RECORD_HISTORIES === '1') recordHistory('install-lab-with-crashes.json', json);
  assert.deepEqual(
    result.phases.map((p) => `${p.name}:${p.status}`),
    [
      'preflight:done',
      'os:done',
      'artifacts:done',
      'certs:done',
      'etcd:done',
      'endpoint:done',
      'control-plane:done',
      'nodes:done',
      'addons:done',
    ],
  );
  // What `hakube install --dry-run` prints is what ran: the same step keys, on the same hosts.
  const ran = (await session.client.progress(started.workflowId)).phases.flatMap((p) =>
    p.steps.map((s) => `${s.key}@${s.host ?? ''}`),
  );
  assert.deepEqual(
    ran.sort(),
    installPlan(session.cluster)
      .flatMap((p) => (p.steps ?? []).map((s) => `${s.key}@${s.host ?? ''}`))
      .sort(),
    'the dry-run plan and the steps the install ran differ',
  );
  // Lab machines give kubelet writable cgroup controllers (lab/README.md): no warning about them.
  assert.deepEqual(
    result.warnings.filter((w) => /cgroup controllers are read-only/.test(w)),
    [],
  );
  const members = parseMemberList(
    (await on('master-2').run(etcdctl(LOCAL_ETCD, 'member list -w json'))).stdout,
  );
  assert.deepEqual(members.map((m) => m.name).sort(), ['master-1', 'master-2', 'master-3']);
  assert.ok(members.every((m) => m.clientURLs[0]?.startsWith('https://')));
  const health = await on('master-3').run(etcdctl(LOCAL_ETCD, 'endpoint health --cluster'));
  // etcdctl prints endpoint health on stderr.
  assert.equal(((health.stdout + health.stderr).match(/is healthy/g) ?? []).length, 3);
});

test('the apiserver answers /readyz through the VIP; controller-manager and scheduler hold leases', async () => {
  const m2 = on('master-2');
  const server = (await m2.run(kubectl("config view -o jsonpath='{.clusters[0].cluster.server}'"))).stdout;
  assert.equal(server, `https://${session.lab.vip}:16443`);
  assert.equal((await m2.run(VIP_READYZ())).stdout.trim(), 'ok');
  for (const lease of ['kube-controller-manager', 'kube-scheduler']) {
    const holder = await eventually(
      async () => {
        const r = await m2.exec(
          kubectl(`-n kube-system get lease ${lease} -o jsonpath='{.spec.holderIdentity}'`),
        );
        return r.exitCode === 0 && /^master-\d_/.test(r.stdout) ? r.stdout : undefined;
      },
      60_000,
      `a ${lease} leader`,
    );
    assert.match(holder, /^master-[123]_/);
  }
});

test('every kubelet registered its Node with its own address', async () => {
  const r = await on('master-1').run(
    kubectl(
      `get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.addresses[?(@.type=="InternalIP")].address}{"\\n"}{end}'`,
    ),
  );
  const nodes = r.stdout.trim().split('\n').sort();
  assert.deepEqual(nodes, session.lab.hosts.map((h) => `${h.name}=${h.address}`).sort());
});

test('etcd refuses a client certificate from another CA', async () => {
  const foreign = await foreignClientCertificate();
  const m1 = on('master-1');
  await m1.ensureFile('/tmp/intruder.crt', Buffer.from(foreign.certPem));
  await m1.ensureFile('/tmp/intruder.key', Buffer.from(foreign.keyPem), { mode: 0o600 });
  const r = await m1.exec(
    '/usr/local/bin/etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/tmp/intruder.crt --key=/tmp/intruder.key --command-timeout=5s get foo',
  );
  assert.notEqual(r.exitCode, 0);
  const ok = await m1.exec(etcdctl(LOCAL_ETCD, 'put hakube-check ok'));
  assert.equal(ok.exitCode, 0, ok.stderr);
});

async function currentVipHolder(): Promise<string | undefined> {
  for (const h of ['master-1', 'master-2', 'master-3'])
    if ((await on(h).exec(`ip -4 -o addr show | grep -qw 'inet ${session.lab.vip}'`)).exitCode === 0)
      return h;
  return undefined;
}

const vipHolder = () => eventually(currentVipHolder, 20_000, 'a VIP holder');

async function vipMovesWhenStopped(unit: 'haproxy' | 'keepalived'): Promise<void> {
  const first = await vipHolder();
  await on(first).run(`systemctl stop ${unit}`);
  try {
    const second = await eventually(
      async () => {
        const h = await currentVipHolder();
        return h && h !== first ? h : undefined;
      },
      30_000,
      `the VIP to move off ${first}`,
    );
    assert.notEqual(second, first);
    const readyz = await eventually(
      async () => (await on(second).exec(VIP_READYZ())).stdout.trim() || undefined,
      15_000,
      '/readyz through the moved VIP',
    );
    assert.equal(readyz, 'ok');
  } finally {
    await on(first).run(`systemctl start ${unit}`);
  }
}

test('the VIP moves to another master when haproxy stops on its holder, and /readyz answers through it', () =>
  vipMovesWhenStopped('haproxy'));

test('the VIP moves to another master when keepalived stops on its holder, and /readyz answers through it', () =>
  vipMovesWhenStopped('keepalived'));

test('stopping kube-apiserver on the VIP holder keeps /readyz ok through the VIP', async () => {
  const holder = await vipHolder();
  const other = ['master-1', 'master-2', 'master-3'].find((h) => h !== holder) as string;
  await on(holder).run('systemctl stop kube-apiserver');
  try {
    // Every request through the VIP, while the health check notices and after, is answered.
    for (let i = 0; i < 20; i++) {
      const r = await on(other).exec(VIP_READYZ());
      assert.equal(r.stdout.trim(), 'ok', `request ${i}: ${r.stderr}`);
      await new Promise((res) => setTimeout(res, 500));
    }
  } finally {
    await on(holder).run('systemctl start kube-apiserver');
  }
  await eventually(
    async () =>
      (await on(holder).exec(kubectl('--server=https://127.0.0.1:6443 get --raw /readyz'))).stdout.trim() ===
        'ok' || undefined,
    60_000,
    'the stopped apiserver to come back',
  );
});

test('running install again is a no-op that verifies health; no private key in the history', async () => {
  const before = parseMemberList(
    (await on('master-1').run(etcdctl(LOCAL_ETCD, 'member list -w json'))).stdout,
  );
  const again = await session.client.startInstall({ cluster: session.cluster });
  await session.client.result(again.workflowId);
  const after = parseMemberList(
    (await on('master-1').run(etcdctl(LOCAL_ETCD, 'member list -w json'))).stdout,
  );
  assert.deepEqual(after.map((m) => m.id).sort(), before.map((m) => m.id).sort());
  assert.deepEqual(secretsInHistory(workflowHistoryJson(session.server.address, again.workflowId)), []);
  const progress = await session.client.progress(again.workflowId);
  assert.equal(progress.status, 'completed');
});

registerWorkloadTests(installed);
registerConformanceTests(installed);
registerSecurityTests(installed);
registerKubeconfigTests(installed);
registerCertsCheckTests(installed);
registerDoctorTests(installed);
registerCertsRotateTests(installed);
registerEtcdBackupTests(installed);
registerEtcdRestoreTests(installed);
registerNodeTests(installed);
// Last: it resets the whole cluster and installs a new one on the same hosts.
registerResetTests(installed);
