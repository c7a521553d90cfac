// Reset of the whole installed lab, then a new install on the same hosts. The reset shows its
// plan and changes nothing until approved (by the decide update); the worker is killed while
// hosts are being reset and the reset still completes: on every host no hakube unit runs or is
// installed, and the etcd data, /etc/kubernetes and /var/lib/kubelet are at `.reset-<stamp>`
// only; on every node no KUBE-/FLANNEL-/CNI- chain, no pod network or IPVS interface is left
// while a rule of the host's own firewall added before survives. A new install then starts clean: none of the old keys, a new CA and with it a new etcd
// cluster id, /readyz through the VIP.
// Registered last: it takes the lab's cluster down and builds a new one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdctl, LOCAL_ETCD } from '../../../cluster/etcdctl';
import { hostResetPlan, RESET_PHASES } from '../../../cluster/plan/reset';
import { planPhases } from '../../../cluster/plan/phases';
import { KUBE_DIR, pki } from '../../../cluster/layout';
import type { HostSpec } from '../../../cluster/spec';
import { etcdHosts, nodeHosts } from '../../../cluster/topology';
import type { ResetResult } from '../../../workflows/reset-cluster';
import { eventually } from '../../helpers/temporal';
import {
  assertRanAsPlanned,
  keysUnder,
  kubectl,
  putKeys,
  checkedHistory,
  type InstalledLab,
} from './installed-lab';
import { addKeptFirewallRule, assertNetworkStateGone } from './reset-network-check';

const MARKER = '/hakube-reset/before';

interface EtcdIdentity {
  clusterId: string;
  revision: number;
}

export function registerResetTests(installed: InstalledLab): void {
  const resetId = () => `reset-${installed.cluster.metadata.name}`;
  const hosts = () => installed.cluster.spec.hosts;
  const firstEtcd = () => etcdHosts(installed.cluster)[0].name;
  let before: EtcdIdentity;
  let caBefore = '';
  let result: ResetResult;

  async function etcdIdentity(): Promise<EtcdIdentity> {
    const r = await installed.on(firstEtcd()).run(etcdctl(LOCAL_ETCD, 'endpoint status -w json'));
    // Both are uint64: read them as text.
    const clusterId = /"cluster_id":\s*(\d+)/.exec(r.stdout)?.[1];
    const revision = /"revision":\s*(\d+)/.exec(r.stdout)?.[1];
    assert.ok(clusterId && revision, r.stdout);
    return { clusterId: BigInt(clusterId).toString(16), revision: Number(revision) };
  }

  /** Besides /etc/kubernetes: the etcd data dir on members, kubelet's folder on nodes. */
  function movedByRole(h: HostSpec): string[] {
    const paths: string[] = [];
    if (h.roles.includes('etcd')) paths.push(installed.cluster.spec.etcd.dataDir);
    if (nodeHosts(installed.cluster).some((n) => n.name === h.name)) paths.push('/var/lib/kubelet');
    return paths;
  }

  const sha256 = async (host: string, path: string) =>
    (await installed.on(host).run(`sha256sum ${path}`)).stdout.split(' ')[0];

  async function activeUnits(h: HostSpec): Promise<string[]> {
    const units = hostResetPlan(installed.cluster, h, 'x').units.map((u) => u.unit);
    const r = await installed.on(h.name).exec(`systemctl is-active ${units.join(' ')}`);
    const states = r.stdout.trim().split('\n');
    return units.filter((_, i) => states[i] === 'active' || states[i] === 'activating');
  }

  test('reset: the plan waits for approval, and nothing changes meanwhile', async () => {
    await putKeys(installed.on(firstEtcd()), [MARKER]);
    for (const h of nodeHosts(installed.cluster)) await addKeptFirewallRule(installed.on(h.name));
    before = await etcdIdentity();
    caBefore = await sha256(firstEtcd(), pki.etcdCa.cert);
    const started = await installed.client.startReset({ cluster: installed.cluster });
    assert.equal(started.workflowId, resetId());
    const waiting = await eventually(
      async () => (await installed.client.progress(started.workflowId)).waiting,
      120_000,
      'the approval request',
    );
    const [head, ...rest] = waiting.plan;
    assert.match(head, new RegExp(`^reset ${installed.cluster.metadata.name}: ${hosts()[0].name}, `));
    assert.match(head, /renamed to <path>\.reset-\d{8}T\d{6}Z on its host, nothing is deleted$/);
    const nodes = nodeHosts(installed.cluster).map((h) => h.name);
    for (const h of hosts()) {
      const stop = rest.find((l) => l.startsWith(`${h.name} [`)) ?? '';
      const moves = rest.find((l) => l.startsWith(`${h.name}: move aside `)) ?? '';
      const expected = [KUBE_DIR, ...movedByRole(h)];
      for (const path of expected) assert.ok(moves.includes(path), `${h.name}: ${path} in ${moves}`);
      if (nodes.includes(h.name)) assert.match(stop, /: stop kubelet \(active\), /, h.name);
      // kube-proxy and the CNI ran there: the plan names their chains.
      if (nodes.includes(h.name))
        assert.ok(
          rest.some(
            (l) => l.startsWith(`${h.name}: delete the cluster's iptables chains (`) && l.includes('KUBE-'),
          ),
          `${h.name}: the cluster's chains in the plan`,
        );
    }
    assert.match(rest.at(-1) ?? '', /^kept: binaries in \/usr\/local\/bin/);
    // Nothing is touched while it waits.
    for (const h of hosts()) {
      const running = await activeUnits(h);
      const all = hostResetPlan(installed.cluster, h, 'x').units.map((u) => u.unit);
      assert.deepEqual(running, all, `${h.name}: every unit still runs`);
      for (const path of [KUBE_DIR, ...movedByRole(h)]) {
        const r = await installed.on(h.name).exec(`test -d ${path} && echo there`);
        assert.equal(r.stdout.trim(), 'there', `${h.name}: ${path}`);
      }
    }
    assert.deepEqual(await etcdIdentity().then((i) => i.clusterId), before.clusterId);
  });

  test('reset approved, worker killed while hosts are reset: no hakube unit left, data moved aside on every host', async () => {
    const id = resetId();
    const decided = await installed.client.decide(id, {
      approve: true,
      by: 'e2e-reset',
      reason: 'clean re-install',
    });
    assert.equal(decided.outcome, 'approved');
    await eventually(
      async () =>
        (await installed.client.progress(id)).phases.find((p) => p.name === 'reset')?.status === 'running',
      60_000,
      'the reset phase',
    );
    await installed.restartWorker('reset in phase reset');
    result = await installed.client.result<ResetResult>(id);
    const p = await installed.client.progress(id);
    assert.equal(p.status, 'completed');
    assert.deepEqual(
      p.phases.map((ph) => `${ph.name}:${ph.status}`),
      ['plan:done', 'approval:done', 'reset:done', 'verify:done'],
    );
    await assertRanAsPlanned(installed.client, id, planPhases(RESET_PHASES, {}));
    assert.deepEqual(
      p.decisions.map((d) => [d.approved, d.by, d.reason]),
      [[true, 'e2e-reset', 'clean re-install']],
    );
    assert.equal(result.decision?.by, 'e2e-reset');
    assert.deepEqual(
      result.hosts.map((h) => h.host),
      hosts().map((h) => h.name),
    );
    const stamp = result.stamp;
    for (const h of hosts()) {
      const on = installed.on(h.name);
      const plan = hostResetPlan(installed.cluster, h, stamp);
      assert.deepEqual(await activeUnits(h), [], `${h.name}: units still active`);
      const files = await on.exec(`ls ${plan.unitFiles.join(' ')} 2>/dev/null`);
      assert.equal(files.stdout.trim(), '', `${h.name}: unit files left`);
      const enabled = await on.exec(
        `systemctl is-enabled ${plan.units.map((u) => u.unit).join(' ')} 2>/dev/null`,
      );
      assert.doesNotMatch(enabled.stdout, /^enabled$/m, `${h.name}: a unit is still enabled`);
      const expected = [KUBE_DIR, ...movedByRole(h)];
      const moved = result.hosts.find((r) => r.host === h.name)?.moved ?? [];
      for (const path of expected) {
        const aside = `${path}.reset-${stamp}`;
        assert.ok(
          moved.some((m) => m.from === path && m.to === aside),
          `${h.name}: ${path} in the result`,
        );
        const r = await on.exec(`test ! -e ${path} && test -d ${aside} && echo moved`);
        assert.equal(r.stdout.trim(), 'moved', `${h.name}: ${path} → ${aside}`);
      }
      // The binaries stay, so a new install does not upload them again.
      assert.equal((await on.exec('test -x /usr/local/bin/kubelet && echo kept')).stdout.trim(), 'kept');
      // The cluster's chains, interfaces and IPVS servers are gone; the host's own rule stays.
      if (nodeHosts(installed.cluster).some((n) => n.name === h.name))
        await assertNetworkStateGone(on, installed.cluster.spec.network.serviceCIDR);
    }
    const kept = await installed
      .on(firstEtcd())
      .exec(`test -d ${installed.cluster.spec.etcd.dataDir}.reset-${stamp}/member/wal && echo kept`);
    assert.equal(kept.stdout.trim(), 'kept', 'the old etcd data');
    checkedHistory(installed, id, 'reset-lab.json');
  });

  test('a new install on the reset hosts starts clean: none of the old keys, a new CA, /readyz through the VIP', async () => {
    const again = await installed.client.startInstall({ cluster: installed.cluster });
    await installed.client.result(again.workflowId);
    const progress = await installed.client.progress(again.workflowId);
    assert.equal(progress.status, 'completed');
    // Where the new install's time went, for the suite's budget.
    const took = (x: { startedAt?: string; endedAt?: string }) =>
      x.startedAt && x.endedAt ? (Date.parse(x.endedAt) - Date.parse(x.startedAt)) / 1000 : 0;
    const slowest = progress.phases
      .flatMap((ph) => ph.steps)
      .sort((a, b) => took(b) - took(a))
      .slice(0, 5);
    process.stderr.write(
      `  [reset] new install: ${progress.phases.map((ph) => `${ph.name} ${took(ph).toFixed(0)} s`).join(', ')}; slowest steps: ${slowest.map((st) => `${st.key} ${took(st).toFixed(0)} s`).join(', ')}\n`,
    );
    const after = await etcdIdentity();
    assert.deepEqual(await keysUnder(installed.on(firstEtcd()), MARKER), []);
    assert.notEqual(await sha256(firstEtcd(), pki.etcdCa.cert), caBefore, 'a new etcd CA');
    // The old CA is kept with the rest of the old /etc/kubernetes.
    assert.equal(await sha256(firstEtcd(), `${KUBE_DIR}.reset-${result.stamp}/pki/etcd/ca.crt`), caBefore);
    const cp = installed.cluster.spec.hosts.find((h) => h.roles.includes('control-plane'));
    assert.ok(cp);
    const readyz = await eventually(
      async () => (await installed.on(cp.name).exec(kubectl('get --raw /readyz'))).stdout.trim() || undefined,
      60_000,
      '/readyz through the VIP',
    );
    assert.equal(readyz, 'ok');
    // etcd derives the cluster id from the peer URLs and the token, which names the etcd CA: a new CA, a new cluster.
    assert.notEqual(after.clusterId, before.clusterId, 'a new etcd cluster');
    process.stderr.write(
      `  [reset] etcd cluster id ${before.clusterId} (revision ${before.revision}) before, ${after.clusterId} (revision ${after.revision}) after\n`,
    );
  });
}
