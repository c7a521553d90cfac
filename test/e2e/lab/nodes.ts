// Node join and removal on the installed lab: the lab grows to 5 masters and 12 workers; a 4th
// and 5th control-plane host join in one command (the worker is killed right after master-4's
// `member add` and the join still ends with exactly one new member); etcd shows 5 healthy
// members and every haproxy lists 5 backends; master-5 is removed after an approval (etcd 4,
// quorate; backends match); 10 workers join in one command, with the time per node reported;
// a worker is removed with --yes after a drain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadClusterOrThrow } from '../../../client/spec-file';
import { withResolvedBundleDir } from '../../../client/bundle-dir';
import { etcdctl, LOCAL_ETCD, parseEndpointHealth, parseMemberList } from '../../../cluster/etcdctl';
import { files } from '../../../cluster/layout';
import { withoutHosts } from '../../../cluster/plan/join';
import type { Cluster } from '../../../cluster/spec';
import type { AddNodesResult } from '../../../workflows/add-nodes';
import type { RemoveNodeResult } from '../../../workflows/remove-node';
import type { CertsCheckResult } from '../../../workflows/check-certificates';
import { bootLab } from '../../helpers/lab-fixture';
import { labStopHost } from '../../../lab';
import { runCli } from '../../helpers/cli';
import { eventually } from '../../helpers/temporal';
import {
  assertRanAsPlanned,
  kubectl,
  checkedHistory,
  nodesRunning,
  readyNodes,
  type InstalledLab,
} from './installed-lab';
import { planPhases } from '../../../cluster/plan/phases';
import { REMOVE_PHASES } from '../../../cluster/plan/remove';
import { hostByName } from '../../../cluster/topology';

const NEW_MASTERS = ['master-4', 'master-5'];
const NEW_WORKERS = Array.from({ length: 10 }, (_, i) => `worker-${i + 3}`);

export function registerNodeTests(ctx: InstalledLab): void {
  /** The grown lab's spec: every host of the lab, of which only the installed ones have joined so far. */
  let grown: Cluster;
  /** Its spec file (the CLI reads it). */
  let grownSpecPath = '';
  const name = () => ctx.cluster.metadata.name;

  async function members(via = 'master-1') {
    return parseMemberList((await ctx.on(via).run(etcdctl(LOCAL_ETCD, 'member list -w json'))).stdout);
  }

  async function healthyEndpoints(via = 'master-1'): Promise<number> {
    const r = await ctx.on(via).exec(etcdctl(LOCAL_ETCD, 'endpoint health --cluster -w json'));
    return parseEndpointHealth(r.stdout).filter((e) => e.health).length;
  }

  async function haproxyBackends(host: string): Promise<string[]> {
    const cfg = (await ctx.on(host).run(`cat ${files.haproxyCfg}`)).stdout;
    return [...cfg.matchAll(/^\s+server (\S+) /gm)].map((m) => m[1]).sort();
  }

  async function nodeNames(): Promise<string[]> {
    const r = await ctx.on('master-1').run(kubectl("get nodes -o jsonpath='{.items[*].metadata.name}'"));
    return r.stdout.trim().split(/\s+/).sort();
  }

  /**
   * `node remove --host-down` of a powered-off host, approved in advance: no step may run on it;
   * afterwards the tests work with the cluster without it.
   */
  async function removeHostThatIsDown(node: string) {
    const started = await ctx.client.startRemoveNode({
      cluster: ctx.cluster,
      node,
      approvedBy: 'e2e',
      hostDown: true,
    });
    const result = await ctx.client.result<RemoveNodeResult>(started.workflowId);
    const progress = await ctx.client.progress(started.workflowId);
    assert.ok(
      progress.phases.flatMap((ph) => ph.steps).every((st) => st.host !== node),
      `a step ran on ${node}`,
    );
    ctx.useCluster(withoutHosts(ctx.cluster, [node]));
    return { result, workflowId: started.workflowId, progress };
  }

  test('nodes: the lab grows to 5 masters and 12 workers (the new machines have nothing installed)', async () => {
    const lab = await bootLab(ctx.lab.name, 5, 12);
    grown = withResolvedBundleDir(loadClusterOrThrow(lab.specPath).cluster);
    grownSpecPath = lab.specPath;
    assert.equal(grown.spec.hosts.length, 17);
    ctx.useCluster(withoutHosts(grown, [...NEW_MASTERS, ...NEW_WORKERS]));
    assert.equal((await members()).length, 3);
  });

  test('nodes: master-4 and master-5 join in one command; a worker kill right after member add leaves exactly one new member', async () => {
    ctx.useCluster(withoutHosts(grown, NEW_WORKERS));
    const m4Peer = `https://${grown.spec.hosts.find((h) => h.name === 'master-4')?.address}:2380`;
    const started = await ctx.client.startAddNodes({ cluster: ctx.cluster, nodes: NEW_MASTERS });
    assert.equal(started.workflowId, `join-${name()}`);
    // Poll etcd itself: the kill lands as soon as the learner is in the member list, before it starts.
    await eventually(
      async () => (await members()).some((m) => m.peerURLs.includes(m4Peer)) || undefined,
      10 * 60_000,
      'master-4 in the member list',
      100,
    );
    await ctx.restartWorker('right after member add of master-4');
    const result = await ctx.client.result<AddNodesResult>(started.workflowId);
    assert.deepEqual(
      result.outcomes.map((o) => `${o.node}:${o.status}`),
      ['master-4:joined', 'master-5:joined'],
    );
    for (const o of result.outcomes)
      process.stderr.write(`  [join] ${o.node}: ${((o.durationMs ?? 0) / 1000).toFixed(1)} s\n`);
    const list = await members('master-4');
    assert.equal(list.filter((m) => m.peerURLs.includes(m4Peer)).length, 1, 'master-4 added once');
    assert.deepEqual(list.map((m) => m.name).sort(), [
      'master-1',
      'master-2',
      'master-3',
      'master-4',
      'master-5',
    ]);
    assert.ok(
      list.every((m) => !m.isLearner),
      'every member promoted',
    );
    assert.equal(await healthyEndpoints(), 5);
    for (const h of ['master-1', 'master-2', 'master-3', 'master-4', 'master-5'])
      assert.deepEqual(
        await haproxyBackends(h),
        ['master-1', 'master-2', 'master-3', 'master-4', 'master-5'],
        h,
      );
    // The join of master-4 scheduled each step once, except the one the kill interrupted.
    checkedHistory(ctx, `join-${name()}-master-4`, 'join-node-lab-with-crash.json', 1);
    checkedHistory(ctx, started.workflowId, 'add-nodes-lab.json');
    assert.equal(
      (
        await ctx.on('master-4').run(kubectl('--server=https://127.0.0.1:6443 get --raw /readyz'))
      ).stdout.trim(),
      'ok',
    );
    assert.equal((await ctx.on('master-5').run(kubectl('get --raw /readyz'))).stdout.trim(), 'ok');
  });

  test('nodes: removing master-5 waits for approval, then leaves 4 quorate members and matching backends', async () => {
    const started = await ctx.client.startRemoveNode({ cluster: ctx.cluster, node: 'master-5' });
    const waiting = await eventually(
      async () => (await ctx.client.progress(started.workflowId)).waiting,
      60_000,
      'the removal to wait for approval',
    );
    assert.match(waiting.plan.join('\n'), /etcdctl member remove master-5/);
    assert.equal((await members()).length, 5, 'nothing changed before the approval');
    await ctx.client.decide(started.workflowId, { approve: true, by: 'e2e', reason: 'shrink to 4' });
    const result = await ctx.client.result<RemoveNodeResult>(started.workflowId);
    assert.ok(result.etcdMemberRemoved);
    await assertRanAsPlanned(
      ctx.client,
      started.workflowId,
      planPhases(REMOVE_PHASES, { cluster: ctx.cluster, node: hostByName(ctx.cluster, 'master-5') }),
    );
    // Its data is moved aside on the host, not deleted; nothing hakube runs is left running.
    const dirs = await ctx.on('master-5').run('ls -d /var/lib/etcd*');
    assert.deepEqual(dirs.stdout.trim().split('\n'), [`/var/lib/etcd.reset-${result.stamp}`]);
    const units = await ctx.on('master-5').exec('systemctl is-active etcd kube-apiserver haproxy keepalived');
    assert.doesNotMatch(units.stdout, /^active$/m);
    ctx.useCluster(withoutHosts(ctx.cluster, ['master-5']));
    const list = await members();
    assert.deepEqual(list.map((m) => m.name).sort(), ['master-1', 'master-2', 'master-3', 'master-4']);
    assert.equal(await healthyEndpoints(), 4);
    for (const h of ['master-1', 'master-2', 'master-3', 'master-4'])
      assert.deepEqual(await haproxyBackends(h), ['master-1', 'master-2', 'master-3', 'master-4'], h);
    assert.equal((await ctx.on('master-2').run(kubectl('get --raw /readyz'))).stdout.trim(), 'ok');
    assert.ok(!(await nodeNames()).includes('master-5'));
    // Every apiserver's certificate names exactly the control-plane hosts there are now.
    const check = await ctx.client.startCertsCheck({ cluster: ctx.cluster });
    const { rows } = await ctx.client.result<CertsCheckResult>(check.workflowId);
    assert.deepEqual(
      rows.filter((r) => r.status === 'wrong-sans').map((r) => `${r.host} ${r.path}: ${r.detail}`),
      [],
    );
    checkedHistory(ctx, started.workflowId, 'remove-node-lab.json');
  });

  test('nodes: a control-plane host that is down (master-4, powered off) is removed with --unreachable: 3 quorate members, matching backends', async () => {
    await labStopHost(ctx.lab.name, 'master-4');
    // 3 of 4 members answer: quorum (3) holds while it is down.
    await eventually(
      async () => ((await healthyEndpoints()) === 3 ? true : undefined),
      60_000,
      '3 healthy members',
    );
    const cli = await runCli(
      ['node', 'remove', '-f', grownSpecPath, '--node', 'master-4', '--unreachable', '--dry-run'],
      { TEMPORAL_ADDRESS: ctx.serverAddress, HAKUBE_TASK_QUEUE: ctx.taskQueue },
    );
    assert.equal(cli.code, 0, cli.stdout + cli.stderr);
    assert.match(cli.stdout, /etcdctl member remove master-4/);
    const { result } = await removeHostThatIsDown('master-4');
    assert.ok(result.etcdMemberRemoved);
    assert.deepEqual((await members()).map((m) => m.name).sort(), ['master-1', 'master-2', 'master-3']);
    assert.equal(await healthyEndpoints(), 3);
    for (const h of ['master-1', 'master-2', 'master-3'])
      assert.deepEqual(await haproxyBackends(h), ['master-1', 'master-2', 'master-3'], h);
    assert.equal((await ctx.on('master-3').run(kubectl('get --raw /readyz'))).stdout.trim(), 'ok');
    assert.ok(!(await nodeNames()).includes('master-4'));
  });

  test('nodes: 10 workers join in one command, 5 at a time; every Node registers; time per node reported', async () => {
    ctx.useCluster(withoutHosts(grown, ['master-5', 'master-4']));
    const t0 = Date.now();
    const started = await ctx.client.startAddNodes({ cluster: ctx.cluster, nodes: NEW_WORKERS, parallel: 5 });
    const result = await ctx.client.result<AddNodesResult>(started.workflowId);
    const wall = (Date.now() - t0) / 1000;
    assert.deepEqual(
      result.outcomes.filter((o) => o.status !== 'joined').map((o) => `${o.node}: ${o.error}`),
      [],
    );
    assert.equal(result.outcomes.length, 10);
    const times = result.outcomes.map((o) => (o.durationMs ?? 0) / 1000);
    process.stderr.write(
      `  [join] 10 workers in ${wall.toFixed(1)} s wall; per node ${times.map((s) => s.toFixed(1)).join(', ')} s (mean ${(times.reduce((a, b) => a + b, 0) / times.length).toFixed(1)} s)\n`,
    );
    const nodes = await nodeNames();
    for (const w of NEW_WORKERS) assert.ok(nodes.includes(w), `${w} registered`);
    // Each join approved its kubelet's serving-certificate request: the kubelet holds the certificate.
    assert.deepEqual(
      result.outcomes.flatMap((o) => o.result?.warnings ?? []).filter((w) => /serving/.test(w)),
      [],
    );
    for (const w of ['worker-3', 'worker-11'])
      await eventually(
        async () =>
          (await ctx.on(w).exec('test -s /var/lib/kubelet/pki/kubelet-server-current.pem')).exitCode === 0 ||
          undefined,
        60_000,
        `${w}'s serving certificate`,
      );
    // Joined workers get the bundle's images like installed ones: Ready, their add-on pods running.
    const m1 = ctx.on('master-1');
    const allOf = (nodes: Set<string>) => NEW_WORKERS.every((w) => nodes.has(w)) || undefined;
    await eventually(async () => allOf(await readyNodes(m1)), 5 * 60_000, 'every joined worker Ready');
    for (const app of ['flannel', 'node-local-dns'])
      await eventually(
        async () => allOf(await nodesRunning(m1, app)),
        5 * 60_000,
        `${app} running on every joined worker`,
      );
  });

  test('nodes: a worker removed with --yes is drained, deleted and reset', async () => {
    const started = await ctx.client.startRemoveNode({
      cluster: ctx.cluster,
      node: 'worker-12',
      approvedBy: 'e2e',
    });
    const result = await ctx.client.result<RemoveNodeResult>(started.workflowId);
    assert.equal(result.node, 'worker-12');
    assert.ok(!(await nodeNames()).includes('worker-12'));
    const units = await ctx.on('worker-12').exec('systemctl is-active kubelet kube-proxy containerd');
    assert.doesNotMatch(units.stdout, /^active$/m);
    const aside = await ctx.on('worker-12').run(`ls -d /var/lib/kubelet* /etc/kubernetes*`);
    assert.match(aside.stdout, new RegExp(`/etc/kubernetes\\.reset-${result.stamp}`));
    assert.doesNotMatch(aside.stdout, /^\/etc\/kubernetes$/m);
    ctx.useCluster(withoutHosts(ctx.cluster, ['worker-12']));
  });

  test('nodes: a worker that is down is removed with --host-down: nothing runs on it, its Node is deleted', async () => {
    // Powered off, and left so: a host that comes back must be reset before it rejoins (docs/nodes.md).
    await labStopHost(ctx.lab.name, 'worker-11');
    await eventually(
      async () => (await readyNodes(ctx.on('master-1'))).has('worker-11') === false || undefined,
      120_000,
      'worker-11 NotReady',
    );
    const plan = planPhases(REMOVE_PHASES, {
      cluster: ctx.cluster,
      node: hostByName(ctx.cluster, 'worker-11'),
      hostDown: true,
    });
    const { result, workflowId, progress } = await removeHostThatIsDown('worker-11');
    assert.equal(result.node, 'worker-11');
    assert.ok(!(await nodeNames()).includes('worker-11'));
    await assertRanAsPlanned(ctx.client, workflowId, plan);
    assert.match(progress.warnings.join('\n'), /worker-11 was down and is not reset/);
  });
}
