// One host's upgrade and its way back (workflows/upgrade-cluster.ts runs these host by host).
// A control-plane host: drained, its binaries kept, the new ones uploaded, then etcd (leadership moved
// off first), kube-apiserver, controller-manager and scheduler, containerd, kubelet, kube-proxy
// restarted in that order, each behind its gate. A worker: drained first (PodDisruptionBudgets
// honoured), then the node components, Ready at the target, uncordoned. The steps are the
// descriptors the plan prints (cluster/plan/upgrade.ts).
import { patched } from '@temporalio/workflow';
import { upgradeSteps } from '../../cluster/plan/upgrade';
import type { UpgradedUnit } from '../../cluster/upgrade/probe';
import type { Cluster, HostSpec } from '../../cluster/spec';
import { primaryControlPlane } from '../../cluster/topology';
import { acts, gateOptions, REMOTE_STEP_OPTIONS, runStep } from '../shared/activities';
import type { OperationTracker } from '../shared/tracker';
import { moveEtcdLeadershipOff } from './etcd-leadership';

export interface HostUpgradeContext {
  t: OperationTracker;
  /** The cluster at the target: its spec names the target version and bundle. */
  cluster: Cluster;
  to: string;
  stamp: string;
  healthTimeoutMs: number;
  /** How long a drain may wait on PodDisruptionBudgets before it counts as a failed gate; unbounded when absent. */
  drainTimeoutMs?: number;
}

/** How far a host got: its rollback undoes only what was changed. */
export interface HostProgress {
  /** Its binaries were (or may have been) replaced: a rollback puts the kept ones back. */
  binariesReplaced: boolean;
  /** It was cordoned for a drain: a rollback uncordons it. */
  cordoned: boolean;
  restarted: string[];
}

/** The units an upgrade restarts on a host with these roles, in order. */
export function unitsOf(host: HostSpec): UpgradedUnit[] {
  const units: UpgradedUnit[] = [];
  if (host.roles.includes('etcd')) units.push('etcd');
  if (host.roles.includes('control-plane'))
    units.push('kube-apiserver', 'kube-controller-manager', 'kube-scheduler');
  units.push('containerd', 'kubelet', 'kube-proxy');
  return units;
}

const NODE_UNITS: UpgradedUnit[] = ['containerd', 'kubelet', 'kube-proxy'];

/** Keep the current binaries, then upload the target's and import its images. */
async function replaceBinaries(c: HostUpgradeContext, phase: string, host: string, progress: HostProgress) {
  const { t, cluster } = c;
  const bundleDir = cluster.spec.artifacts.bundleDir ?? '';
  await runStep(t, phase, upgradeSteps.keep(phase, host, c.stamp), acts.keepPreviousBinaries, [
    { cluster, host, stamp: c.stamp, bundleDir },
  ]);
  progress.binariesReplaced = true;
  await runStep(
    t,
    phase,
    upgradeSteps.binaries(phase, host),
    acts.ensureBinaries,
    [{ cluster, host, bundleDir, changeVersion: true }],
    {
      startToCloseTimeout: '1 hour',
    },
  );
  await runStep(t, phase, upgradeSteps.images(phase, host), acts.ensureContainerd, [{ cluster, host }], {
    startToCloseTimeout: '30 minutes',
  });
}

async function restartReplaced(
  c: HostUpgradeContext,
  phase: string,
  step: { key: string; title: string; host?: string },
  host: string,
  units: UpgradedUnit[],
  progress: HostProgress,
): Promise<void> {
  // Bounded like the gates: a unit that cannot come up on the new binary fails the host's gate.
  const r = await runStep(
    c.t,
    phase,
    step,
    acts.restartReplacedServices,
    [{ cluster: c.cluster, host, units }],
    gateOptions(c.healthTimeoutMs),
  );
  progress.restarted.push(...r.restarted);
}

/**
 * Cordon and drain `host` through kubectl on `via`. A drain blocked by a budget fails retryably
 * every attempt (DRAIN_ATTEMPT_SECONDS) and is retried for as long as it takes, or until
 * --drain-timeout.
 */
async function drainHost(
  c: HostUpgradeContext,
  phase: string,
  host: string,
  via: string,
  progress: HostProgress,
) {
  progress.cordoned = true;
  await runStep(
    c.t,
    phase,
    upgradeSteps.drain(phase, host, via),
    acts.drainForUpgrade,
    [{ cluster: c.cluster, host, via }],
    {
      startToCloseTimeout: '5 minutes',
      ...(c.drainTimeoutMs ? { scheduleToCloseTimeout: c.drainTimeoutMs } : {}),
      retry: { ...REMOTE_STEP_OPTIONS.retry, initialInterval: '5 seconds', maximumInterval: '30 seconds' },
    },
  );
}

async function uncordonHost(
  c: HostUpgradeContext,
  phase: string,
  host: string,
  via: string,
  progress: HostProgress,
) {
  await runStep(c.t, phase, upgradeSteps.uncordon(phase, host, via), acts.uncordonNode, [
    { cluster: c.cluster, host, via },
  ]);
  progress.cordoned = false;
}

/**
 * Control-plane hosts are drained like workers: they are nodes, and where they are schedulable
 * (the lab's are), a kubelet restarting on a new minor may restart their pods' containers.
 * Upgrades recorded before this drained only workers (replayed as they ran).
 */
const DRAINS_CONTROL_PLANE = 'upgrade-drains-control-plane-hosts';

export async function upgradeControlPlaneHost(c: HostUpgradeContext, host: HostSpec, progress: HostProgress) {
  const phase = 'control-plane';
  const { t, cluster } = c;
  const h = host.name;
  const on = { cluster, host: h };
  const gate = gateOptions(c.healthTimeoutMs);
  const via = primaryControlPlane(cluster).name;
  const drains = patched(DRAINS_CONTROL_PLANE);
  if (drains) await drainHost(c, phase, h, via, progress);
  await replaceBinaries(c, phase, h, progress);
  if (host.roles.includes('etcd')) {
    await moveEtcdLeadershipOff(t, phase, cluster, h, c.healthTimeoutMs);
    await restartReplaced(c, phase, upgradeSteps.restartEtcd(phase, h), h, ['etcd'], progress);
    await runStep(
      t,
      phase,
      upgradeSteps.etcdQuorum(phase, h),
      acts.checkEtcdHealth,
      [{ ...on, expectMembers: cluster.spec.hosts.filter((x) => x.roles.includes('etcd')).length }],
      gate,
    );
  }
  await restartReplaced(c, phase, upgradeSteps.restartApiserver(phase, h), h, ['kube-apiserver'], progress);
  await runStep(
    t,
    phase,
    upgradeSteps.readyz(phase, h),
    acts.checkApiserverReady,
    [{ ...on, local: true }],
    gate,
  );
  await restartReplaced(
    c,
    phase,
    upgradeSteps.restartControllers(phase, h),
    h,
    ['kube-controller-manager', 'kube-scheduler'],
    progress,
  );
  await runStep(
    t,
    phase,
    upgradeSteps.leaders(phase, h),
    acts.leaderStatus,
    [{ ...on, require: true }],
    gate,
  );
  await restartReplaced(c, phase, upgradeSteps.restartNode(phase, h), h, NODE_UNITS, progress);
  await runStep(
    t,
    phase,
    upgradeSteps.nodeReady(phase, h, c.to),
    acts.checkNodeAtVersion,
    [{ ...on, via: h, version: c.to }],
    gate,
  );
  if (drains) await uncordonHost(c, phase, h, via, progress);
  await runStep(
    t,
    phase,
    upgradeSteps.endpointAnswers(phase, h, via),
    acts.checkApiserverReady,
    [{ cluster, host: via }],
    gate,
  );
}

export async function upgradeWorkerHost(
  c: HostUpgradeContext,
  host: HostSpec,
  via: string,
  progress: HostProgress,
) {
  const phase = 'workers';
  const { t, cluster } = c;
  const h = host.name;
  await drainHost(c, phase, h, via, progress);
  await replaceBinaries(c, phase, h, progress);
  await restartReplaced(c, phase, upgradeSteps.restartNode(phase, h), h, NODE_UNITS, progress);
  await runStep(
    t,
    phase,
    upgradeSteps.nodeReady(phase, h, c.to),
    acts.checkNodeAtVersion,
    [{ cluster, host: h, via, version: c.to }],
    gateOptions(c.healthTimeoutMs),
  );
  await uncordonHost(c, phase, h, via, progress);
}

/**
 * Back to what the host ran before: its kept binaries in place, every unit that runs a replaced
 * binary (or stopped on the new one) restarted, the node Ready again and uncordoned. Run inside
 * `undo` (not cancellable) by the caller.
 */
export async function rollBackHost(
  c: HostUpgradeContext,
  phase: string,
  host: HostSpec,
  via: string,
  progress: HostProgress,
): Promise<void> {
  const { t, cluster } = c;
  const h = host.name;
  if (progress.binariesReplaced) {
    await runStep(t, phase, upgradeSteps.restorePrevious(phase, h), acts.restorePreviousBinaries, [
      { cluster, host: h, stamp: c.stamp },
    ]);
    await runStep(
      t,
      phase,
      upgradeSteps.restartPrevious(phase, h),
      acts.restartReplacedServices,
      [{ cluster, host: h, units: unitsOf(host), startInactive: true }],
      gateOptions(c.healthTimeoutMs),
    );
    await runStep(
      t,
      phase,
      { key: `${phase}/rollback-ready/${h}`, title: 'the node is Ready on its previous binaries', host: h },
      acts.checkNodeAtVersion,
      [{ cluster, host: h, via }],
      gateOptions(c.healthTimeoutMs),
    );
  }
  if (progress.cordoned)
    await runStep(
      t,
      phase,
      { key: `${phase}/rollback-uncordon/${h}`, title: 'uncordon', host: via },
      acts.uncordonNode,
      [{ cluster, host: h, via }],
    );
}
