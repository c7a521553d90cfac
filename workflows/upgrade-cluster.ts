// upgradeCluster: `hakube upgrade`, the rolling version upgrade. Preflight reads what every host
// runs and judges the skew rules, the target bundle, etcd, certificates and the backup target at
// once; after approval a verified etcd snapshot is taken; then control-plane hosts one at a time
// and workers in waves (each drained, PodDisruptionBudgets honoured), every host behind its gates.
// A host whose gate fails gets its previous binaries back and the upgrade waits for a person:
// `hakube approve` continues with the next hosts, `hakube reject` stops, `hakube reject
// --roll-back` also puts back the hosts done so far. Hosts already at the target are left alone,
// so a re-run after success changes nothing.
import { ApplicationFailure, executeChild, isCancellation, sleep } from '@temporalio/workflow';
import type { BundleSummary } from '../activities/artifacts/ensure-binaries';
import type { MemberStatus } from '../cluster/backup/snapshots';
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
  type UpgradePlanInput,
} from '../cluster/plan/upgrade';
import type { CertReportRow } from '../cluster/pki/cert-report';
import type { Decision } from '../cluster/progress';
import type { Cluster, HostSpec } from '../cluster/spec';
import { etcdHosts, nodeHosts, primaryControlPlane } from '../cluster/topology';
import { evaluateUpgradePreflight } from '../cluster/upgrade/preflight';
import type { ProbeResult } from '../cluster/upgrade/probe';
import { KUBERNETES_BINARIES } from '../cluster/upgrade/skew';
import { describeWindow, msUntilWindow, parseWindow } from '../cluster/upgrade/window';
import { etcdBackup, type BackupResult } from './etcd-backup';
import { acts, runStep } from './shared/activities';
import { workflowNow } from './shared/clock';
import { onEachHost } from './shared/hosts';
import {
  DEFAULT_APPROVAL_TIMEOUT_MS,
  Operation,
  undo,
  withBodies,
  type OperationRun,
} from './shared/operation';
import { failureText } from './shared/outcome';
import {
  rollBackHost,
  upgradeControlPlaneHost,
  upgradeWorkerHost,
  type HostProgress,
  type HostUpgradeContext,
} from './steps/host-upgrade';

export const DEFAULT_UPGRADE_HEALTH_TIMEOUT_MS = 5 * 60_000;
/** How long a failed gate waits for a person before the upgrade stops where it is. */
export const DEFAULT_DECISION_TIMEOUT_MS = 7 * 24 * 60 * 60_000;

export interface UpgradeInput {
  /** The cluster as installed (its spec names the bundle it runs). */
  cluster: Cluster;
  /** The version to reach and the bundle folder (on the worker's machine) that carries it. */
  to: string;
  bundleDir: string;
  approvedBy?: string;
  approvalTimeoutMs?: number;
  /** Workers upgraded at once (default 1). */
  waveSize?: number;
  /** Each worker wave waits for approval. */
  approveWaves?: boolean;
  /** Worker waves start only inside this window (`[Sat,Sun ]HH:MM-HH:MM`, UTC). */
  window?: string;
  /** How long each host's gates may take before it is rolled back. */
  healthTimeoutMs?: number;
  /** How long a drain may wait on PodDisruptionBudgets; unbounded when absent. */
  drainTimeoutMs?: number;
  /** How long a failed gate waits for a decision. */
  decisionTimeoutMs?: number;
  onlyPhases?: string[];
  skipPhases?: string[];
}

export interface HostUpgrade {
  host: string;
  role: 'control-plane' | 'worker';
  outcome: 'upgraded' | 'current' | 'rolled-back' | 'not-started';
  restarted: string[];
  error?: string;
}

export interface UpgradeResult {
  to: string;
  from?: string;
  stamp: string;
  snapshot?: { id: string; storedAt: string; workflowId: string };
  hosts: HostUpgrade[];
  decisions: Decision[];
}

interface UpgradeRun extends OperationRun, UpgradePlanInput {
  input: UpgradeInput;
  /** The cluster at the target version and bundle: what every step after preflight is given. */
  cluster: Cluster;
  stamp: string;
  ctx: HostUpgradeContext;
  versions: ProbeResult[];
  from?: string;
  snapshot?: UpgradeResult['snapshot'];
  hosts: HostUpgrade[];
  ask: Operation<UpgradeRun>['ask'];
}

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

const retry3 = { retry: { maximumAttempts: 3, initialInterval: '2 seconds' } };

async function preflight(run: UpgradeRun): Promise<void> {
  const { t, cluster } = run;
  const phase = 'preflight';
  run.versions = await onEachHost(cluster.spec.hosts, (h) =>
    runStep(
      t,
      phase,
      upgradeSteps.versions(h.name),
      acts.readHostVersions,
      [{ cluster, host: h.name }],
      retry3,
    ),
  );
  const bundle: BundleSummary = await runStep(
    t,
    phase,
    upgradeSteps.bundle(),
    acts.inspectBundle,
    [{ bundleDir: run.input.bundleDir }],
    { startToCloseTimeout: '1 hour' },
  );
  const first = primaryControlPlane(cluster).name;
  const etcdVia = etcdHosts(cluster)[0]?.name ?? first;
  const etcd: MemberStatus[] = await runStep(
    t,
    phase,
    upgradeSteps.etcd(etcdVia),
    acts.etcdMemberStatus,
    [{ cluster, host: etcdVia }],
    retry3,
  );
  await runStep(
    t,
    phase,
    upgradeSteps.endpoint(first),
    acts.checkApiserverReady,
    [{ cluster, host: first }],
    retry3,
  );
  const certificates: CertReportRow[] = (
    await onEachHost(cluster.spec.hosts, (h) =>
      runStep(
        t,
        phase,
        upgradeSteps.certificates(h.name),
        acts.checkHostCertificates,
        [{ cluster, host: h.name }],
        retry3,
      ),
    )
  ).flat();
  await t.step(phase, upgradeSteps.evaluate(), async () => {
    const report = evaluateUpgradePreflight({
      cluster,
      to: run.to,
      versions: run.versions,
      bundle,
      etcd,
      certificates,
      snapshotWanted:
        !(run.input.skipPhases ?? []).includes('snapshot') &&
        (!run.input.onlyPhases?.length || run.input.onlyPhases.includes('snapshot')),
    });
    t.progress.warnings.push(...report.warnings);
    run.from = report.from;
    run.current = report.current;
    for (const h of report.current) {
      const host = nodeHosts(cluster).find((x) => x.name === h);
      if (host) run.hosts.push({ host: h, role: roleOf(host), outcome: 'current', restarted: [] });
    }
    if (report.errors.length)
      throw ApplicationFailure.create({
        type: ErrorTypes.PreflightFailed,
        message: `upgrade preflight found ${report.errors.length} problem(s):\n${report.errors.join('\n')}`,
        details: [report],
        nonRetryable: true,
      });
  });
}

const roleOf = (h: HostSpec): HostUpgrade['role'] =>
  h.roles.includes('control-plane') ? 'control-plane' : 'worker';

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

const pendingHosts = (run: UpgradeRun, hosts: HostSpec[]) =>
  hosts.filter((h) => !run.current?.includes(h.name));

/** Runs one host's upgrade; a failure rolls it back (not cancellable) and asks what to do next. */
async function upgradeHost(
  run: UpgradeRun,
  phase: string,
  host: HostSpec,
  body: (progress: HostProgress) => Promise<void>,
): Promise<{ host: HostSpec; error?: unknown }> {
  const progress: HostProgress = { binariesReplaced: false, cordoned: false, restarted: [] };
  const record: HostUpgrade = {
    host: host.name,
    role: roleOf(host),
    outcome: 'not-started',
    restarted: progress.restarted,
  };
  run.hosts.push(record);
  try {
    await body(progress);
    record.outcome = 'upgraded';
    return { host };
  } catch (err) {
    record.error = failureText(err);
    await undo(() => rollBackHost(run.ctx, phase, host, primaryControlPlane(run.cluster).name, progress));
    record.outcome = progress.binariesReplaced ? 'rolled-back' : 'not-started';
    if (isCancellation(err)) throw err;
    return { host, error: err };
  }
}

/** After failed gates: continue (approve), stop (reject), or stop and put the done hosts back (reject --roll-back). */
async function decideAfterFailure(
  run: UpgradeRun,
  phase: string,
  failed: { host: HostSpec; error?: unknown }[],
) {
  const names = failed.map((f) => f.host.name).join(', ');
  const question = `The gate on ${names} failed and ${failed.length === 1 ? 'it runs' : 'they run'} the previous binaries again. Continue with the next hosts?`;
  const done = run.hosts.filter((h) => h.outcome === 'upgraded').map((h) => h.host);
  const plan = [
    ...failed.map((f) => `${f.host.name}: ${failureText(f.error)}`),
    `upgraded so far: ${done.join(', ') || 'none'}`,
    'hakube approve: continue with the next hosts (these stay on the previous version)',
    'hakube reject --reason ...: stop here',
    'hakube reject --roll-back --reason ...: put the hosts upgraded so far back on their previous binaries, then stop',
  ];
  const decision = await run.t.step(phase, upgradeSteps.decision(phase, failed[0].host.name), () =>
    run.ask(question, plan, run.input.decisionTimeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS, {
      choices: ['roll-back'],
    }),
  );
  if (decision?.approved) return;
  if (decision?.choice === 'roll-back') await undo(() => rollBackDone(run, phase));
  const rolledBack = decision?.choice === 'roll-back' ? `; rolled back: ${done.join(', ') || 'none'}` : '';
  throw ApplicationFailure.create({
    type: ErrorTypes.UpgradeFailed,
    message: decision
      ? `stopped by ${decision.by} after the gate on ${names} failed: ${decision.reason ?? ''}${rolledBack}`
      : `nobody decided within ${Math.round((run.input.decisionTimeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS) / 60_000)} minutes after the gate on ${names} failed; stopped where it was`,
    nonRetryable: true,
  });
}

/** The hosts upgraded so far, back on their previous binaries: workers first, then the control plane (skew). */
async function rollBackDone(run: UpgradeRun, phase: string): Promise<void> {
  const via = primaryControlPlane(run.cluster).name;
  const done = run.hosts.filter((h) => h.outcome === 'upgraded').reverse();
  for (const record of done) {
    const host = run.cluster.spec.hosts.find((h) => h.name === record.host);
    if (!host) continue;
    await rollBackHost(run.ctx, phase, host, via, { binariesReplaced: true, cordoned: false, restarted: [] });
    record.outcome = 'rolled-back';
  }
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
