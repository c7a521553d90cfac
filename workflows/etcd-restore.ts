// etcdRestore: the restore runbook as a workflow. Verify the snapshot, show the plan and wait
// for a person's approval; then stop the control plane and etcd, move every member's data dir
// aside (kept) and restore the snapshot in its place with a new cluster token, start etcd
// behind a health gate, check the data against the snapshot, and start the control plane.
// A failure after the first service was stopped ends the run with what to roll back.
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import {
  memberRestorePaths,
  restoreMismatches,
  restorePlan,
  restoreStamp,
  type MemberRestoreMarker,
  type RestoredMemberCheck,
} from '../cluster/backup/restore';
import type { SnapshotMeta } from '../cluster/backup/snapshots';
import { ErrorTypes } from '../cluster/errors';
import type { Decision } from '../cluster/progress';
import type { Cluster } from '../cluster/spec';
import { etcdHosts } from '../cluster/topology';
import { startControlPlaneAndGate, startEtcdAndGate, stopControlPlaneAndEtcd } from './restore/services';
import { acts, runOnEach, runStep } from './shared/activities';
import { ApprovalGate } from './shared/approval';
import { workflowNow } from './shared/clock';
import { failedPhase, failureText, notApproved, outcomeOf } from './shared/outcome';
import { OperationTracker } from './shared/tracker';

export const RESTORE_PHASES = [
  { name: 'verify', title: 'Verify the snapshot' },
  { name: 'approval', title: 'Wait for approval' },
  { name: 'copy', title: 'Copy the snapshot to every member' },
  { name: 'stop', title: 'Stop the control plane and etcd' },
  { name: 'restore', title: 'Restore every member (old data dirs kept)' },
  { name: 'start-etcd', title: 'Start etcd and wait until healthy' },
  { name: 'check', title: 'Check the restored data against the snapshot' },
  { name: 'control-plane', title: 'Start the control plane' },
  { name: 'cleanup', title: 'Remove the copies of the snapshot' },
];

export interface RestoreInput {
  cluster: Cluster;
  snapshotId: string;
  /** Restore a snapshot whose metadata is unsigned (taken before hakube signed metadata): `--allow-unsigned`. */
  allowUnsigned?: boolean;
  /** Who approved in advance (`--yes`); without it the run waits for a decision. */
  approvedBy?: string;
  approvalTimeoutMs?: number;
  /** How long each health gate (etcd, then /readyz) may take before the run fails. */
  healthTimeoutMs?: number;
}

export interface RestoreResult {
  snapshot: SnapshotMeta;
  stamp: string;
  members: MemberRestoreMarker[];
  checks: RestoredMemberCheck[];
  decision?: Decision;
}

const DEFAULT_APPROVAL_TIMEOUT_MS = 30 * 60_000;
const DEFAULT_HEALTH_TIMEOUT_MS = 5 * 60_000;

interface RestoreRun {
  t: OperationTracker;
  cluster: Cluster;
  meta: SnapshotMeta;
  stamp: string;
  healthTimeoutMs: number;
}

async function verifySnapshot(t: OperationTracker, cluster: Cluster, input: RestoreInput) {
  const { snapshotId, allowUnsigned } = input;
  return runStep(
    t,
    'verify',
    { key: `verify/${snapshotId}`, title: "the stored snapshot's signature and sha256 against its metadata" },
    acts.verifyStoredSnapshot,
    [{ cluster, snapshotId, allowUnsigned }],
    { startToCloseTimeout: '1 hour' },
  );
}

async function approve(gate: ApprovalGate, input: RestoreInput, run: RestoreRun) {
  const outcome = await gate.wait(
    `Restore etcd of ${input.cluster.metadata.name} from ${run.meta.id}? The cluster is down while it runs.`,
    restorePlan(input.cluster, run.meta, run.stamp),
    input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
    input.approvedBy,
  );
  const failure = notApproved(outcome, gate.lastDecision);
  if (failure) throw failure;
}

async function copySnapshot({ t, cluster, meta }: RestoreRun) {
  await runOnEach(
    t,
    'copy',
    etcdHosts(cluster),
    { key: 'copy', title: 'stream the snapshot, check its sha256' },
    acts.stageSnapshot,
    (h) => ({ cluster, host: h.name, meta }),
    { startToCloseTimeout: '1 hour' },
  );
}

async function restoreMembers({ t, cluster, meta, stamp }: RestoreRun): Promise<MemberRestoreMarker[]> {
  const runId = workflowInfo().runId;
  return runOnEach(
    t,
    'restore',
    etcdHosts(cluster),
    { key: 'restore', title: 'data dir aside, etcdutl snapshot restore' },
    acts.restoreEtcdMember,
    (h) => ({ cluster, host: h.name, runId, stamp, meta }),
    { startToCloseTimeout: '1 hour' },
  );
}

async function checkRestoredData({ t, cluster, meta }: RestoreRun): Promise<RestoredMemberCheck[]> {
  const checks = await runOnEach(
    t,
    'check',
    etcdHosts(cluster),
    { key: 'check', title: 'revision and key count' },
    acts.checkRestoredMember,
    (h) => ({ cluster, host: h.name, meta }),
    { retry: { maximumAttempts: 5 } },
  );
  const problems = restoreMismatches(meta, checks);
  if (problems.length)
    throw ApplicationFailure.create({
      type: ErrorTypes.RestoreFailed,
      message: `the restored data does not match the snapshot: ${problems.join('; ')}`,
      nonRetryable: true,
    });
  return checks;
}

async function removeCopies({ t, cluster, meta }: RestoreRun) {
  await runOnEach(
    t,
    'cleanup',
    etcdHosts(cluster),
    { key: 'cleanup', title: 'remove the copy of the snapshot' },
    acts.removeStagedSnapshot,
    (h) => ({ cluster, host: h.name, snapshotId: meta.id }),
  );
}

const keptAs = (cluster: Cluster, stamp: string) =>
  memberRestorePaths(cluster.spec.etcd.dataDir, stamp).aside;

/** What a person needs when the run stops with the cluster changed. */
function rollbackHint(cluster: Cluster, stamp: string): string {
  return (
    `data dirs from before the restore are kept as ${keptAs(cluster, stamp)} ` +
    `on the members; put them back with: hakube restore -f <spec> --rollback ${workflowInfo().workflowId}`
  );
}

export async function etcdRestore(input: RestoreInput): Promise<RestoreResult> {
  const { cluster } = input;
  const t = new OperationTracker('restore', cluster.metadata.name, RESTORE_PHASES);
  const gate = new ApprovalGate(t.progress, cluster.spec.approvals?.approvers);
  const stamp = restoreStamp(workflowNow());
  let touched = false;
  try {
    const meta = await t.phase('verify', () => verifySnapshot(t, cluster, input));
    const run: RestoreRun = {
      t,
      cluster,
      meta,
      stamp,
      healthTimeoutMs: input.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
    };
    await t.phase('approval', () => approve(gate, input, run));
    await t.phase('copy', () => copySnapshot(run));
    touched = true;
    await t.phase('stop', () => stopControlPlaneAndEtcd(t, 'stop', cluster));
    const members = await t.phase('restore', () => restoreMembers(run));
    await t.phase('start-etcd', () => startEtcdAndGate(t, 'start-etcd', cluster, run.healthTimeoutMs));
    const checks = await t.phase('check', () => checkRestoredData(run));
    await t.phase('control-plane', () =>
      startControlPlaneAndGate(t, 'control-plane', cluster, run.healthTimeoutMs),
    );
    await t.phase('cleanup', () => removeCopies(run));
    t.progress.warnings.push(`the data dirs from before the restore are kept as ${keptAs(cluster, stamp)}`);
    t.finish('completed');
    return { snapshot: meta, stamp, members, checks, decision: gate.lastDecision };
  } catch (err) {
    const message = failureText(err);
    if (!touched) {
      t.finish(outcomeOf(err), message);
      throw err;
    }
    const hint = rollbackHint(cluster, stamp);
    t.progress.warnings.push(hint);
    t.finish('failed', `${message}. ${hint}`);
    throw ApplicationFailure.create({
      type: ErrorTypes.RestoreFailed,
      message: `restore stopped in phase ${failedPhase(t)}: ${message}. ${hint}`,
      nonRetryable: true,
      cause: err instanceof Error ? err : undefined,
    });
  }
}
