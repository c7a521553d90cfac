// upgradeCluster: `hakube upgrade`, the rolling version upgrade. Preflight reads what every host
// runs and judges the skew rules, the target bundle, etcd, certificates and the backup target at
// once; after approval a verified etcd snapshot is taken; then control-plane hosts one at a time
// and workers in waves (each drained, PodDisruptionBudgets honoured), every host behind its gates.
// A host whose gate fails gets its previous binaries back and the upgrade waits for a person:
// `hakube approve` continues with the next hosts, `hakube reject` stops, `hakube reject
// --roll-back` also puts back the hosts done so far. Hosts already at the target are left alone,
// so a re-run after success changes nothing.
import { ApplicationFailure, executeChild, sleep } from '@temporalio/workflow';
import { restoreStamp } from '../cluster/backup/restore';
import { ErrorTypes } from '../cluster/errors';
import {
  controlPlaneOrder,
  DEFAULT_WAVE_SIZE,
  UPGRADE_PHASES,
  upgradePlan,
  upgradeSteps,
  upgradeWaves,
  workerHosts,
  type UpgradePhaseName,
} from '../cluster/plan/upgrade';
import type { Cluster } from '../cluster/spec';
import { nodeHosts, primaryControlPlane } from '../cluster/topology';
import { KUBERNETES_BINARIES } from '../cluster/upgrade/skew';
import { describeWindow, msUntilWindow, parseWindow } from '../cluster/upgrade/window';
import { etcdBackup, type BackupResult } from './etcd-backup';
import { acts, runStep } from './shared/activities';
import { workflowNow } from './shared/clock';
import { onEachHost } from './shared/hosts';
import { DEFAULT_APPROVAL_TIMEOUT_MS, Operation, withBodies } from './shared/operation';
import { upgradeControlPlaneHost, upgradeWorkerHost } from './steps/host-upgrade';
import { decideAfterFailure, pendingHosts, upgradeHost } from './upgrade/host-outcomes';
import { preflight } from './upgrade/preflight';
import {
  DEFAULT_UPGRADE_HEALTH_TIMEOUT_MS,
  retry3,
  type UpgradeInput,
  type UpgradeResult,
  type UpgradeRun,
} from './upgrade/run';

export type { HostUpgrade, UpgradeInput, UpgradeResult } from './upgrade/run';
export { DEFAULT_DECISION_TIMEOUT_MS, DEFAULT_UPGRADE_HEALTH_TIMEOUT_MS } from './upgrade/run';

/** The spec at the target: its version and bundle are what ensureBinaries and the renderers read. */
function atTarget(input: UpgradeInput): Cluster {
  const { cluster } = input;
  return {
    ...cluster,
    spec: {
      ...cluster.spec,
      kubernetesVersion: input.to,
      artifacts: { ...cluster.spec.artifacts, source: 'bundle', bundleDir: input.bundleDir },
    },
  };
}

function approval(run: UpgradeRun) {
  return {
    question: `Upgrade ${run.cluster.metadata.name}${run.from ? ` from ${run.from}` : ''} to ${run.to}?`,
    plan: upgradePlan({ ...run, from: run.from, stamp: run.stamp, window: windowText(run) }),
  };
}

const windowText = (run: UpgradeRun) =>
  run.input.window ? describeWindow(parseWindow(run.input.window)) : undefined;

async function snapshot(run: UpgradeRun): Promise<void> {
  const workflowId = `upgrade-${run.cluster.metadata.name}-snapshot-${run.stamp}`;
  const result = await run.t.step('snapshot', upgradeSteps.snapshot(), () =>
    // The installed spec: the backup reads nothing version-specific, and its record names the cluster as it was.
    executeChild(etcdBackup, { workflowId, args: [{ cluster: run.input.cluster }] }),
  );
  run.snapshot = {
    id: (result as BackupResult).snapshot.id,
    storedAt: (result as BackupResult).storedAt,
    workflowId,
  };
}

async function controlPlane(run: UpgradeRun): Promise<void> {
  for (const host of pendingHosts(run, controlPlaneOrder(run.cluster))) {
    const r = await upgradeHost(run, 'control-plane', host, (p) => upgradeControlPlaneHost(run.ctx, host, p));
    if (r.error) await decideAfterFailure(run, 'control-plane', [r]);
  }
}

async function workers(run: UpgradeRun): Promise<void> {
  // Kubelets are never newer than an apiserver: a control-plane host left on its previous version keeps every worker there too.
  const behind = run.hosts
    .filter((h) => h.role === 'control-plane' && h.outcome === 'rolled-back')
    .map((h) => h.host);
  if (behind.length) {
    run.t.progress.warnings.push(
      `workers not upgraded: control-plane host ${behind.join(', ')} runs the previous version, and a kubelet may not be newer than an apiserver`,
    );
    return;
  }
  const via = primaryControlPlane(run.cluster).name;
  const window = run.input.window ? parseWindow(run.input.window) : undefined;
  const waves = upgradeWaves(pendingHosts(run, workerHosts(run.cluster)), run.waveSize);
  for (const [i, wave] of waves.entries()) {
    const n = i + 1;
    if (window)
      await run.t.step('workers', upgradeSteps.waveWindow(n), async () => {
        const wait = msUntilWindow(window, workflowNow());
        if (wait > 0) await sleep(wait);
      });
    if (run.approveWaves) {
      const names = wave.map((h) => h.name).join(', ');
      const decision = await run.t.step('workers', upgradeSteps.waveApproval(n), () =>
        run.ask(
          `Upgrade wave ${n} of ${waves.length}: ${names}?`,
          [`drain, upgrade to ${run.to}, Ready, uncordon: ${names}`],
          run.input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
        ),
      );
      if (!decision?.approved)
        throw ApplicationFailure.create({
          type: ErrorTypes.UpgradeFailed,
          message: decision
            ? `wave ${n} (${names}) rejected by ${decision.by}: ${decision.reason ?? ''}; the waves before it are upgraded`
            : `nobody approved wave ${n} (${names}) in time; the waves before it are upgraded`,
          nonRetryable: true,
        });
    }
    const results = await Promise.all(
      wave.map((host) => upgradeHost(run, 'workers', host, (p) => upgradeWorkerHost(run.ctx, host, via, p))),
    );
    const failed = results.filter((r) => r.error !== undefined);
    if (failed.length) await decideAfterFailure(run, 'workers', failed);
  }
}

/** Every host reports the target version, except those a person chose to leave behind. */
async function verify(run: UpgradeRun): Promise<void> {
  const { t, cluster } = run;
  const leftBehind = new Set(
    run.hosts.filter((h) => h.outcome !== 'upgraded' && h.outcome !== 'current').map((h) => h.host),
  );
  const stale: string[] = [];
  await onEachHost(cluster.spec.hosts, async (h) => {
    const found = await runStep(
      t,
      'verify',
      upgradeSteps.finalVersions(h.name),
      acts.readHostVersions,
      [{ cluster, host: h.name }],
      retry3,
    );
    if (leftBehind.has(h.name) || !nodeHosts(cluster).some((x) => x.name === h.name)) return;
    for (const bin of KUBERNETES_BINARIES) {
      const v = found.versions[bin];
      if (v !== undefined && v !== run.to) stale.push(`${h.name}: ${bin} ${v}`);
    }
    if (found.outdated.length)
      stale.push(`${h.name}: ${found.outdated.join(', ')} still run a replaced binary`);
    if (h.roles.includes('control-plane') && found.servedApiserver !== run.to)
      stale.push(`${h.name}: its apiserver serves ${found.servedApiserver ?? 'no /version'}`);
  });
  if (leftBehind.size)
    t.progress.warnings.push(`left on their previous version by decision: ${[...leftBehind].join(', ')}`);
  if (stale.length)
    throw ApplicationFailure.create({
      type: ErrorTypes.UpgradeFailed,
      message: `not every component reports ${run.to}:\n${stale.join('\n')}`,
      nonRetryable: true,
    });
}

const PHASES = withBodies<UpgradePhaseName, UpgradeRun>(
  UPGRADE_PHASES,
  {
    preflight,
    approval: { approve: approval },
    snapshot,
    'control-plane': controlPlane,
    workers,
    verify,
  },
  'control-plane',
);

export async function upgradeCluster(input: UpgradeInput): Promise<UpgradeResult> {
  const cluster = atTarget(input);
  const op = new Operation<UpgradeRun>(
    'upgrade',
    cluster.metadata.name,
    PHASES,
    {
      failureType: ErrorTypes.UpgradeFailed,
      afterChanges: (run) => {
        const done = run.hosts.filter((h) => h.outcome === 'upgraded').map((h) => h.host);
        return (
          `Upgraded so far: ${done.join(', ') || 'none'}. Run \`hakube upgrade\` again to continue (hosts at ${run.to} are left alone)` +
          (run.snapshot ? `; the snapshot taken first is ${run.snapshot.id}` : '')
        );
      },
    },
    cluster.spec.approvals?.approvers,
  );
  const stamp = restoreStamp(workflowNow());
  const run: UpgradeRun = {
    t: op.t,
    input,
    cluster,
    to: input.to,
    waveSize: input.waveSize ?? DEFAULT_WAVE_SIZE,
    approveWaves: input.approveWaves,
    window: input.window,
    stamp,
    ctx: {
      t: op.t,
      cluster,
      to: input.to,
      stamp,
      healthTimeoutMs: input.healthTimeoutMs ?? DEFAULT_UPGRADE_HEALTH_TIMEOUT_MS,
      drainTimeoutMs: input.drainTimeoutMs,
    },
    versions: [],
    hosts: [],
    ask: (q, p, ms, o) => op.ask(q, p, ms, o),
  };
  await op.run(run, input);
  return {
    to: input.to,
    from: run.from,
    stamp,
    snapshot: run.snapshot,
    hosts: run.hosts,
    decisions: op.t.progress.decisions,
  };
}
