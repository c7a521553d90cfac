// `hakube upgrade` (workflows/upgrade-cluster.ts) under the real workflow bundle, with stand-in
// activities that keep each host's version on Temporal's time-skipping server: the run schedules
// exactly its dry-run plan's steps (control plane one host at a time, then workers in waves); a
// worker whose gate fails is rolled back and the upgrade waits, `approve` continues without it;
// `reject --roll-back` puts the hosts done so far back (workers first); a re-run changes nothing;
// a skipped minor is refused before anything changes; a wave waits for its maintenance window.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { QUERY_PROGRESS, UPDATE_DECIDE } from '../../cluster/operations';
import { planPhases, plannedStepKeys } from '../../cluster/plan/phases';
import { UPGRADE_PHASES } from '../../cluster/plan/upgrade';
import type { OperationProgress } from '../../cluster/progress';
import type { Cluster } from '../../cluster/spec';
import type { ProbeResult } from '../../cluster/upgrade/probe';
import { validateClusterSpec } from '../../cluster/validate';
import type { DecisionInput, DecisionResult } from '../../workflows/shared/approval';
import type { UpgradeInput, UpgradeResult } from '../../workflows/upgrade-cluster';
import {
  noTestServer,
  recordIfAsked,
  standInWorker,
  startTimeSkipping,
  type StandIns,
} from '../helpers/time-skipping';

const TASK_QUEUE = 'hakube-test-upgrade';
const FROM = 'v1.36.3';
const TO = 'v1.37.2';

function upgradeCluster(): Cluster {
  const r = validateClusterSpec({
    apiVersion: 'hakube.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'up' },
    spec: {
      kubernetesVersion: FROM,
      ssh: { privateKeyPath: '/k' },
      hosts: [
        { name: 'master-1', address: '10.1.1.11', roles: ['control-plane', 'etcd'] },
        { name: 'master-2', address: '10.1.1.12', roles: ['control-plane', 'etcd'] },
        { name: 'master-3', address: '10.1.1.13', roles: ['control-plane', 'etcd'] },
        { name: 'worker-1', address: '10.1.1.21', roles: ['worker'] },
        { name: 'worker-2', address: '10.1.1.22', roles: ['worker'] },
        { name: 'worker-3', address: '10.1.1.23', roles: ['worker'] },
      ],
      controlPlaneEndpoint: { mode: 'keepalived', vip: '10.1.1.10', interface: 'eth0' },
      artifacts: { source: 'bundle', bundleDir: '/srv/bundles/v1.36.3' },
      etcd: { backup: { schedule: '0 */6 * * *', keep: 5, target: { type: 'local', path: '/srv/backups' } } },
    },
  });
  assert.ok(r.cluster, JSON.stringify(r.problems));
  return r.cluster;
}

const cluster = upgradeCluster();
const input = (extra: Partial<UpgradeInput> = {}): UpgradeInput => ({
  cluster,
  to: TO,
  bundleDir: '/srv/bundles/v1.37.2',
  approvedBy: 'alice',
  healthTimeoutMs: 60_000,
  ...extra,
});

let env: TestWorkflowEnvironment;
before(async () => {
  if (!noTestServer()) env = await startTimeSkipping();
});
after(async () => {
  await env?.teardown();
});

type HostIn = { host: string };

/**
 * Stand-ins that keep what each host has on disk: the bundle upload puts the target there, a
 * rollback the previous version; readHostVersions reports it. `fail(name, host)` makes a step fail
 * (non-retryably, so the gate fails at once). `calls` records `activity host` in order, with the
 * workflow time of its schedule.
 */
function cluster6(
  opts: { onDisk?: (host: string) => string; fail?: (activity: string, host: string) => boolean } = {},
) {
  const onDisk = new Map(cluster.spec.hosts.map((h) => [h.name, opts.onDisk?.(h.name) ?? FROM]));
  const calls: string[] = [];
  const times: Record<string, number> = {};
  const step =
    <T>(name: string, result: (i: HostIn & Record<string, unknown>) => T) =>
    async (i: HostIn & Record<string, unknown>) => {
      const host = i.host ?? '-';
      calls.push(`${name} ${host}`);
      times[`${name} ${host}`] ??= Context.current().info.currentAttemptScheduledTimestampMs;
      if (opts.fail?.(name, host))
        throw ApplicationFailure.create({
          type: 'NodeNotAtVersion',
          message: `${name} failed on ${host}`,
          nonRetryable: true,
        });
      return result(i);
    };
  const roles = (host: string) => cluster.spec.hosts.find((h) => h.name === host)?.roles ?? [];
  const probe = (host: string): ProbeResult => {
    const v = onDisk.get(host) ?? FROM;
    const cp = roles(host).includes('control-plane');
    const versions: Record<string, string> = { kubelet: v, 'kube-proxy': v };
    if (cp)
      Object.assign(versions, {
        'kube-apiserver': v,
        'kube-controller-manager': v,
        'kube-scheduler': v,
        kubectl: v,
        etcd: 'v3.7.3',
      });
    return { host, versions, outdated: [], running: {}, ...(cp ? { servedApiserver: v } : {}) };
  };
  const statuses = cluster.spec.hosts
    .filter((h) => h.roles.includes('etcd'))
    .map((h, i) => ({
      endpoint: `https://${h.address}:2379`,
      memberId: String(i + 1),
      leaderId: '1',
      revision: 9,
      dbSize: 2 ** 20,
      version: '3.7.3',
    }));
  const activities: StandIns = {
    readHostVersions: step('readHostVersions', (i) => probe(i.host)),
    inspectBundle: step('inspectBundle', () => ({
      bundleDir: '/srv/bundles/v1.37.2',
      kubernetesVersion: TO,
      components: [{ name: 'etcd', version: 'v3.7.3', source: 'source' }],
      images: 0,
    })),
    etcdMemberStatus: step('etcdMemberStatus', () => statuses),
    checkApiserverReady: step('checkApiserverReady', () => ({ url: 'https://x/readyz', body: 'ok' })),
    checkHostCertificates: step('checkHostCertificates', () => []),
    takeEtcdSnapshot: step('takeEtcdSnapshot', () => ({
      id: 'etcd-up-20261206T150000Z-r9-abc',
      member: 'master-2',
    })),
    storeEtcdSnapshot: step('storeEtcdSnapshot', () => ({ path: '/srv/backups/etcd-up.db' })),
    pruneEtcdSnapshots: step('pruneEtcdSnapshots', () => ({ kept: [], deleted: [] })),
    keepPreviousBinaries: step('keepPreviousBinaries', () => ({
      dir: '/var/lib/hakube/x',
      files: [],
      alreadyKept: false,
    })),
    ensureBinaries: step('ensureBinaries', (i) => {
      onDisk.set(i.host, TO);
      return { uploaded: [], unchanged: 0, bytesTransferred: 0, kubernetesVersion: TO };
    }),
    ensureContainerd: step('ensureContainerd', () => ({
      unit: 'containerd',
      changedFiles: [],
      action: 'none',
    })),
    ensureEtcdNotLeader: step('ensureEtcdNotLeader', () => ({})),
    restartReplacedServices: step('restartReplacedServices', (i) => ({ restarted: i.units, started: [] })),
    checkEtcdHealth: step('checkEtcdHealth', () => ({})),
    leaderStatus: step('leaderStatus', () => ({ controllerManager: 'a', scheduler: 'b' })),
    checkNodeAtVersion: step('checkNodeAtVersion', (i) => ({
      node: i.host,
      kubeletVersion: onDisk.get(i.host),
      ready: 'True',
    })),
    drainForUpgrade: step('drainForUpgrade', (i) => ({ node: i.host, evicted: [] })),
    uncordonNode: step('uncordonNode', (i) => ({ node: i.host })),
    restorePreviousBinaries: step('restorePreviousBinaries', (i) => {
      onDisk.set(i.host, FROM);
      return { restored: ['/usr/local/bin/kubelet'] };
    }),
  };
  return { activities, calls, times, onDisk };
}

const progressOf = (h: WorkflowHandle) => h.query<OperationProgress>(QUERY_PROGRESS);

async function resultOf(h: WorkflowHandle): Promise<UpgradeResult> {
  return (await h.result().catch((e: unknown) => {
    const chain: string[] = [];
    for (let c = e as Error | undefined; c; c = c.cause as Error | undefined) chain.push(c.message);
    assert.fail(`${h.workflowId} failed: ${chain.join(': ')}`);
  })) as UpgradeResult;
}

async function waitingFor(h: WorkflowHandle): Promise<OperationProgress> {
  for (let i = 0; i < 200; i++) {
    const p = await progressOf(h);
    if (p.waiting) return p;
    if (p.status !== 'running') assert.fail(`${h.workflowId} ended (${p.status}) without asking: ${p.error}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return assert.fail(`${h.workflowId} never asked for a decision`);
}

const decide = (h: WorkflowHandle, d: DecisionInput) =>
  h.executeUpdate<DecisionResult, [DecisionInput]>(UPDATE_DECIDE, { args: [d] });
const index = (calls: string[], call: string) => {
  const i = calls.indexOf(call);
  assert.ok(i >= 0, `${call} was not called: ${calls.join(', ')}`);
  return i;
};

test(
  'an upgrade schedules exactly its plan: a snapshot, control-plane hosts one at a time, then workers in waves',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const s = cluster6();
    const worker = await standInWorker(env, TASK_QUEUE, s.activities);
    const { result, progress } = await worker.runUntil(async () => {
      const h = await env.client.workflow.start('upgradeCluster', {
        taskQueue: TASK_QUEUE,
        workflowId: 'upgrade-plan-run',
        args: [input({ waveSize: 2 })],
      });
      const r = await resultOf(h);
      await recordIfAsked('upgrade-stand-ins.json', h);
      return { result: r, progress: await progressOf(h) };
    });
    const ran = progress.phases.flatMap((p) => p.steps.map((x) => x.key));
    const plan = planPhases(UPGRADE_PHASES, { cluster, to: TO, waveSize: 2 });
    assert.deepEqual([...ran].sort(), plannedStepKeys(plan).sort());
    assert.equal(progress.status, 'completed');
    assert.deepEqual(
      result.hosts.map((h) => `${h.host}:${h.outcome}`),
      cluster.spec.hosts.map((h) => `${h.name}:upgraded`),
    );
    assert.equal(result.snapshot?.id, 'etcd-up-20261206T150000Z-r9-abc');
    assert.equal(result.from, FROM);
    const c = s.calls;
    // The snapshot before the first binary moves; each control-plane host finishes before the next starts.
    assert.ok(index(c, 'storeEtcdSnapshot master-2') < index(c, 'keepPreviousBinaries master-1'));
    assert.ok(index(c, 'checkNodeAtVersion master-1') < index(c, 'keepPreviousBinaries master-2'));
    assert.ok(index(c, 'checkNodeAtVersion master-2') < index(c, 'keepPreviousBinaries master-3'));
    // On a host: etcd leadership moved off before its restarts; the apiserver before the controllers.
    assert.ok(index(c, 'ensureEtcdNotLeader master-1') < index(c, 'restartReplacedServices master-1'));
    // Workers after the whole control plane; worker-3 (wave 2) after both of wave 1 are uncordoned.
    assert.ok(index(c, 'checkApiserverReady master-1') < index(c, 'drainForUpgrade worker-1'));
    assert.ok(index(c, 'uncordonNode worker-1') < index(c, 'drainForUpgrade worker-3'));
    assert.ok(index(c, 'uncordonNode worker-2') < index(c, 'drainForUpgrade worker-3'));
    assert.ok(!c.some((x) => x.startsWith('restorePreviousBinaries')), 'nothing rolled back');
  },
);

test(
  'a worker whose gate fails gets its previous binaries back and the upgrade waits; approve continues without it',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const s = cluster6({
      fail: (a, h) => a === 'checkNodeAtVersion' && h === 'worker-2' && s.onDisk.get(h) === TO,
    });
    const worker = await standInWorker(env, TASK_QUEUE, s.activities);
    const { result, asked, progress } = await worker.runUntil(async () => {
      const h = await env.client.workflow.start('upgradeCluster', {
        taskQueue: TASK_QUEUE,
        workflowId: 'upgrade-gate-fails',
        args: [input({ skipPhases: ['snapshot'] })],
      });
      const p = await waitingFor(h);
      // The plan-approval's choices are not this one's: a choice nobody offered is refused.
      await assert.rejects(decide(h, { approve: true, by: 'bob', choice: 'shrug' }), (e: Error) =>
        /choose one of: roll-back/.test(String((e.cause as Error | undefined)?.message)),
      );
      await decide(h, { approve: true, by: 'bob', reason: 'worker-2 has a known kernel issue; ticket 7' });
      const r = await resultOf(h);
      await recordIfAsked('upgrade-gate-fails-continued.json', h);
      return { result: r, asked: p, progress: await progressOf(h) };
    });
    assert.match(asked.waiting?.question ?? '', /gate on worker-2 failed/);
    assert.deepEqual(asked.waiting?.choices, ['roll-back']);
    const c = s.calls;
    // Rolled back before the question: binaries back, units restarted, Ready, uncordoned.
    assert.ok(index(c, 'restorePreviousBinaries worker-2') < index(c, 'uncordonNode worker-2'));
    assert.equal(s.onDisk.get('worker-2'), FROM);
    // worker-3 went on after the decision.
    assert.ok(index(c, 'restorePreviousBinaries worker-2') < index(c, 'drainForUpgrade worker-3'));
    assert.deepEqual(
      result.hosts.map((h) => `${h.host}:${h.outcome}`),
      ['master-1', 'master-2', 'master-3', 'worker-1']
        .map((h) => `${h}:upgraded`)
        .concat('worker-2:rolled-back', 'worker-3:upgraded'),
    );
    assert.equal(result.decisions.at(-1)?.by, 'bob');
    assert.ok(
      progress.warnings.some((w) => /left on their previous version by decision: worker-2/.test(w)),
      progress.warnings.join('\n'),
    );
  },
);

test(
  'reject --roll-back puts back the hosts done so far, newest first, and stops',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const s = cluster6({ fail: (a, h) => a === 'leaderStatus' && h === 'master-3' });
    const worker = await standInWorker(env, TASK_QUEUE, s.activities);
    const err = await worker.runUntil(async () => {
      const h = await env.client.workflow.start('upgradeCluster', {
        taskQueue: TASK_QUEUE,
        workflowId: 'upgrade-roll-back',
        args: [input({ skipPhases: ['snapshot'] })],
      });
      await waitingFor(h);
      await decide(h, {
        approve: false,
        by: 'bob',
        reason: 'controllers crash on 1.37',
        choice: 'roll-back',
      });
      const e = await h.result().then(
        () => assert.fail('expected the upgrade to stop'),
        (x: unknown) => x,
      );
      await recordIfAsked('upgrade-rolled-back.json', h);
      return e;
    });
    assert.ok(err instanceof WorkflowFailedError);
    assert.ok(err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'UpgradeFailed');
    assert.match(err.cause.message, /stopped by bob .*rolled back: master-1, master-2/);
    const restored = s.calls
      .filter((x) => x.startsWith('restorePreviousBinaries'))
      .map((x) => x.split(' ')[1]);
    assert.deepEqual(restored, ['master-3', 'master-2', 'master-1']);
    assert.ok(!s.calls.some((x) => /^drainForUpgrade worker-/.test(x)), 'no worker touched');
    // The control-plane hosts were drained, and are uncordoned again by their rollback.
    for (const h of ['master-1', 'master-2', 'master-3']) assert.ok(s.calls.includes(`uncordonNode ${h}`), h);
    for (const h of ['master-1', 'master-2', 'master-3']) assert.equal(s.onDisk.get(h), FROM, h);
  },
);

test(
  'a re-run on an upgraded cluster changes nothing',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const s = cluster6({ onDisk: () => TO });
    const worker = await standInWorker(env, TASK_QUEUE, s.activities);
    const { result, progress } = await worker.runUntil(async () => {
      const h = await env.client.workflow.start('upgradeCluster', {
        taskQueue: TASK_QUEUE,
        workflowId: 'upgrade-rerun',
        args: [input({ approvedBy: undefined })],
      });
      return { result: await resultOf(h), progress: await progressOf(h) };
    });
    assert.deepEqual(
      progress.phases.map((p) => `${p.name}:${p.status}`),
      [
        'preflight:done',
        'approval:skipped',
        'snapshot:skipped',
        'control-plane:skipped',
        'workers:skipped',
        'verify:done',
      ],
    );
    assert.ok(result.hosts.every((h) => h.outcome === 'current'));
    const changing = s.calls.filter(
      (x) =>
        !/^(readHostVersions|inspectBundle|etcdMemberStatus|checkApiserverReady|checkHostCertificates) /.test(
          x,
        ),
    );
    assert.deepEqual(changing, []);
  },
);

test(
  'preflight refuses to skip a minor, naming the host, before anything changes',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const s = cluster6({ onDisk: (h) => (h === 'master-2' ? 'v1.35.4' : FROM) });
    const worker = await standInWorker(env, TASK_QUEUE, s.activities);
    const err = await worker.runUntil(async () => {
      const h = await env.client.workflow.start('upgradeCluster', {
        taskQueue: TASK_QUEUE,
        workflowId: 'upgrade-skew',
        args: [input()],
      });
      return h.result().then(
        () => assert.fail('expected a refusal'),
        (x: unknown) => x,
      );
    });
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'PreflightFailed');
    assert.match(
      err.cause.message,
      /master-2: kube-apiserver v1\.35\.4 is more than one minor behind v1\.37\.2/,
    );
    assert.ok(
      !s.calls.some((x) =>
        /^(keepPreviousBinaries|ensureBinaries|drainForUpgrade|takeEtcdSnapshot) /.test(x),
      ),
    );
  },
);

test(
  'worker waves start only inside the maintenance window',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const s = cluster6({ onDisk: (h) => (h.startsWith('master') ? TO : FROM) });
    const worker = await standInWorker(env, TASK_QUEUE, s.activities);
    // A window opening three hours from now (UTC), one hour long: the server's now, which earlier
    // tests' skipped timers moved ahead of this process's clock.
    const opens = new Date((await env.currentTimeMs()) + 3 * 3600_000);
    const hhmm = (d: Date) =>
      `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    const window = `${hhmm(opens)}-${hhmm(new Date(opens.getTime() + 3600_000))}`;
    const started = await worker.runUntil(async () => {
      const h = await env.client.workflow.start('upgradeCluster', {
        taskQueue: TASK_QUEUE,
        workflowId: 'upgrade-window',
        args: [input({ window, skipPhases: ['snapshot'], waveSize: 3 })],
      });
      await resultOf(h);
      return (await h.describe()).startTime.getTime();
    });
    const drained = s.times['drainForUpgrade worker-1'];
    const waited = drained - started;
    assert.ok(
      waited > 2.9 * 3600_000 && waited < 3.1 * 3600_000,
      `the first drain came ${waited / 60_000} min after the start`,
    );
    assert.ok(
      !s.calls.some((x) => /master/.test(x) && /^(keepPreviousBinaries|ensureBinaries) /.test(x)),
      'masters were current',
    );
  },
);

test(
  'a drain a PodDisruptionBudget blocks (DrainBlocked) is tried again until it goes through, instead of failing the upgrade',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const s = cluster6({ onDisk: (h) => (h.startsWith('master') ? TO : FROM) });
    const attempts: number[] = [];
    s.activities.drainForUpgrade = async (i: { host: string }) => {
      if (i.host !== 'worker-1') return { node: i.host, evicted: [] };
      const info = Context.current().info;
      attempts.push(info.attempt);
      if (info.attempt < 4)
        throw ApplicationFailure.create({
          type: 'DrainBlocked',
          message:
            'drain of worker-1 waits: shop/web-1 cannot be evicted yet (PodDisruptionBudget shop/web: 0 disruptions allowed, 2/2 healthy)',
        });
      return { node: i.host, evicted: ['web-1'] };
    };
    const worker = await standInWorker(env, TASK_QUEUE, s.activities);
    const result = await worker.runUntil(async () => {
      const h = await env.client.workflow.start('upgradeCluster', {
        taskQueue: TASK_QUEUE,
        workflowId: 'upgrade-drain-blocked',
        args: [input({ skipPhases: ['snapshot'] })],
      });
      return resultOf(h);
    });
    assert.deepEqual(attempts, [1, 2, 3, 4]);
    assert.equal(result.hosts.find((x) => x.host === 'worker-1')?.outcome, 'upgraded');
  },
);
