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
import { RESTORE_PHASES } from '../cluster/plan/restore';
import { ErrorTypes } from '../cluster/errors';
import type { Decision } from '../cluster/progress';
import type { Cluster } from '../cluster/spec';
import { etcdHosts } from '../cluster/topology';
import { acts, runOnEach, runStep } from './shared/activities';
import { workflowNow } from './shared/clock';
import { Operation, withBodies, type ApprovalRequest, type OperationRun } from './shared/operation';
import {
  startControlPlaneAndGate,
  startEtcdAndGate,
  stopControlPlaneAndEtcd,
} from './steps/control-plane-services';

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

const DEFAULT_HEALTH_TIMEOUT_MS = 5 * 60_000;

interface RestoreRun extends OperationRun {
  input: RestoreInput;
  cluster: Cluster;
  /** The verified snapshot's metadata (set by the first phase). */
  meta?: SnapshotMeta;
  stamp: string;
  healthTimeoutMs: number;
  members: MemberRestoreMarker[];
  checks: RestoredMemberCheck[];
}

/** The snapshot's metadata, which every phase after the first reads. */
function metaOf(run: RestoreRun): SnapshotMeta {
  if (!run.meta) throw new Error('the snapshot was not verified');
  return run.meta;
}

async function verifySnapshot(run: RestoreRun): Promise<void> {
  const { t, cluster, input } = run;
  const { snapshotId, allowUnsigned } = input;
  run.meta = await runStep(
    t,
    'verify',
    { key: `verify/${snapshotId}`, title: "the stored snapshot's signature and sha256 against its metadata" },
    acts.verifyStoredSnapshot,
    [{ cluster, snapshotId, allowUnsigned }],
    { startToCloseTimeout: '1 hour' },
  );
}

function approval(run: RestoreRun): ApprovalRequest {
  const meta = metaOf(run);
  return {
    question: `Restore etcd of ${run.cluster.metadata.name} from ${meta.id}? The cluster is down while it runs.`,
    plan: restorePlan(run.cluster, meta, run.stamp),
  };
}

async function copySnapshot(run: RestoreRun) {
  const { t, cluster } = run;
  const meta = metaOf(run);
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

async function restoreMembers(run: RestoreRun): Promise<void> {
  const { t, cluster, stamp } = run;
  const meta = metaOf(run);
  const runId = workflowInfo().runId;
  run.members = await runOnEach(
    t,
    'restore',
    etcdHosts(cluster),
    { key: 'restore', title: 'data dir aside, etcdutl snapshot restore' },
    acts.restoreEtcdMember,
    (h) => ({ cluster, host: h.name, runId, stamp, meta }),
    { startToCloseTimeout: '1 hour' },
  );
}

async function checkRestoredData(run: RestoreRun): Promise<void> {
  const { t, cluster } = run;
  const meta = metaOf(run);
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
  run.checks = checks;
}

async function removeCopies(run: RestoreRun) {
  const { t, cluster } = run;
  const meta = metaOf(run);
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

const PHASES = withBodies<(typeof RESTORE_PHASES)[number]['name'], RestoreRun>(
  RESTORE_PHASES,
  {
    verify: verifySnapshot,
    approval: { approve: approval },
    copy: copySnapshot,
    stop: ({ t, cluster }) => stopControlPlaneAndEtcd(t, 'stop', cluster),
    restore: restoreMembers,
    'start-etcd': ({ t, cluster, healthTimeoutMs }) =>
      startEtcdAndGate(t, 'start-etcd', cluster, healthTimeoutMs),
    check: checkRestoredData,
    'control-plane': ({ t, cluster, healthTimeoutMs }) =>
      startControlPlaneAndGate(t, 'control-plane', cluster, healthTimeoutMs),
    cleanup: removeCopies,
  },
  // Copies of the snapshot change nothing that runs; stopping etcd does.
  'stop',
);

export async function etcdRestore(input: RestoreInput): Promise<RestoreResult> {
  const { cluster } = input;
  const op = new Operation<RestoreRun>(
    'restore',
    cluster.metadata.name,
    PHASES,
    {
      failureType: ErrorTypes.RestoreFailed,
      afterChanges: ({ stamp }) => rollbackHint(cluster, stamp),
      conclude: ({ t, stamp }) =>
        t.progress.warnings.push(
          `the data dirs from before the restore are kept as ${keptAs(cluster, stamp)}`,
        ),
    },
    cluster.spec.approvals?.approvers,
  );
  const run: RestoreRun = {
    t: op.t,
    input,
    cluster,
    stamp: restoreStamp(workflowNow()),
    healthTimeoutMs: input.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
    members: [],
    checks: [],
  };
  await op.run(run, input);
  return {
    snapshot: metaOf(run),
    stamp: run.stamp,
    members: run.members,
    checks: run.checks,
    decision: op.decision,
  };
}
