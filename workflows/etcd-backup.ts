// etcdBackup: the snapshot runbook as a workflow. Pick a healthy member (a follower when there
// is one), take and verify a snapshot there, stream it to the backup target with its metadata,
// and only then apply retention. Started by `hakube backup now` and by the backup Schedule.
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import { pickSnapshotMember, type SnapshotMeta } from '../cluster/backup/snapshots';
import { ErrorTypes } from '../cluster/errors';
import { BACKUP_PHASES } from '../cluster/plan/backup';
import type { Cluster } from '../cluster/spec';
import { etcdHosts } from '../cluster/topology';
import { acts, runStep } from './shared/activities';
import { Operation, withBodies, type OperationRun } from './shared/operation';

// Each step is bounded: a snapshot that cannot be taken or stored (a full disk, a target that
// refuses) fails the run with the last attempt's error instead of retrying forever, so the next
// scheduled backup runs and `hakube backup status` reports it. Retries inside the bound keep
// riding out a member restart or a target that blips.
const SNAPSHOT_BOUND = { scheduleToCloseTimeout: '30 minutes' };
const STORE_BOUND = { startToCloseTimeout: '1 hour', scheduleToCloseTimeout: '2 hours' };
const RETENTION_BOUND = { scheduleToCloseTimeout: '30 minutes' };

export interface BackupInput {
  cluster: Cluster;
}

export interface BackupResult {
  snapshot: SnapshotMeta;
  storedAt: string;
  kept: string[];
  deleted: string[];
}

interface BackupRun extends OperationRun {
  cluster: Cluster;
  /** One file per run on the member: a retried step finds and reuses it. */
  tag: string;
  member?: string;
  snapshot?: SnapshotMeta;
  storedAt?: string;
  kept: string[];
  deleted: string[];
}

/** What a phase after the first two reads: the member and the snapshot taken there. */
function taken(run: BackupRun): { member: string; snapshot: SnapshotMeta } {
  if (!run.member || !run.snapshot) throw new Error('no snapshot was taken');
  return { member: run.member, snapshot: run.snapshot };
}

async function chooseMember(run: BackupRun): Promise<void> {
  const { t, cluster } = run;
  const members = etcdHosts(cluster);
  // Ask each member in turn until one answers: a member that is down must not stop the backup.
  for (const [i, h] of members.entries()) {
    try {
      const statuses = await runStep(
        t,
        'member',
        { key: `member/status/${h.name}`, title: 'endpoint status of every member', host: h.name },
        acts.etcdMemberStatus,
        [{ cluster, host: h.name }],
        { retry: { maximumAttempts: 2 } },
      );
      const pick = pickSnapshotMember(statuses);
      const chosen = members.find((m) => pick?.endpoint.includes(`//${m.address}:`));
      if (chosen) {
        run.member = chosen.name;
        return;
      }
    } catch (err) {
      if (i === members.length - 1) throw err;
    }
  }
  throw ApplicationFailure.create({
    type: ErrorTypes.EtcdUnhealthy,
    message: 'no healthy etcd member answered',
    nonRetryable: true,
  });
}

async function takeSnapshot(run: BackupRun): Promise<void> {
  const member = run.member ?? '';
  run.snapshot = await runStep(
    run.t,
    'snapshot',
    { key: `snapshot/save/${member}`, title: 'snapshot save + status', host: member },
    acts.takeEtcdSnapshot,
    [{ cluster: run.cluster, host: member, tag: run.tag }],
    SNAPSHOT_BOUND,
  );
}

async function store(run: BackupRun): Promise<void> {
  const { member, snapshot } = taken(run);
  const stored = await runStep(
    run.t,
    'store',
    { key: `store/${snapshot.id}`, title: 'stream to the target, then metadata', host: member },
    acts.storeEtcdSnapshot,
    [{ cluster: run.cluster, host: member, tag: run.tag, meta: snapshot }],
    STORE_BOUND,
  );
  run.storedAt = stored.path;
}

async function applyRetention(run: BackupRun): Promise<void> {
  const { member } = taken(run);
  const r = await runStep(
    run.t,
    'retention',
    { key: 'retention/prune', title: `keep ${run.cluster.spec.etcd.backup?.keep ?? 10}`, host: member },
    acts.pruneEtcdSnapshots,
    [{ cluster: run.cluster, host: member, tag: run.tag }],
    RETENTION_BOUND,
  );
  run.kept = r.kept;
  run.deleted = r.deleted;
}

const PHASES = withBodies<(typeof BACKUP_PHASES)[number]['name'], BackupRun>(BACKUP_PHASES, {
  member: chooseMember,
  snapshot: takeSnapshot,
  store,
  retention: applyRetention,
});

export async function etcdBackup(input: BackupInput): Promise<BackupResult> {
  const { cluster } = input;
  const op = new Operation<BackupRun>('backup', cluster.metadata.name, PHASES, {
    failureType: ErrorTypes.BackupFailed,
  });
  const run: BackupRun = { t: op.t, cluster, tag: `backup-${workflowInfo().runId}`, kept: [], deleted: [] };
  await op.run(run);
  const { snapshot } = taken(run);
  return { snapshot, storedAt: run.storedAt ?? '', kept: run.kept, deleted: run.deleted };
}
