// etcdBackup: the snapshot runbook as a workflow. Pick a healthy member (a follower when there
// is one), take and verify a snapshot there, stream it to the backup target with its metadata,
// and only then apply retention. Started by `hakube backup now` and by the backup Schedule.
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import { pickSnapshotMember, type SnapshotMeta } from '../cluster/backup/snapshots';
import { ErrorTypes } from '../cluster/errors';
import type { Cluster } from '../cluster/spec';
import { etcdHosts } from '../cluster/topology';
import { acts, runStep } from './shared/activities';
import { OperationTracker } from './shared/tracker';

export const BACKUP_PHASES = [
  { name: 'member', title: 'Choose a healthy member' },
  { name: 'snapshot', title: 'Take and verify the snapshot' },
  { name: 'store', title: 'Store it at the backup target' },
  { name: 'retention', title: 'Keep the newest verified snapshots' },
];

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

async function chooseMember(t: OperationTracker, cluster: Cluster): Promise<string> {
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
      if (chosen) return chosen.name;
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

export async function etcdBackup(input: BackupInput): Promise<BackupResult> {
  const { cluster } = input;
  const t = new OperationTracker('backup', cluster.metadata.name, BACKUP_PHASES);
  // One file per run on the member: a retried step finds and reuses it.
  const tag = `backup-${workflowInfo().runId}`;
  try {
    const member = await t.phase('member', () => chooseMember(t, cluster));
    const on = { cluster, host: member, tag };
    const snapshot = await t.phase('snapshot', () =>
      runStep(
        t,
        'snapshot',
        { key: `snapshot/save/${member}`, title: 'snapshot save + status', host: member },
        acts.takeEtcdSnapshot,
        [on],
        SNAPSHOT_BOUND,
      ),
    );
    const stored = await t.phase('store', () =>
      runStep(
        t,
        'store',
        { key: `store/${snapshot.id}`, title: 'stream to the target, then metadata', host: member },
        acts.storeEtcdSnapshot,
        [{ ...on, meta: snapshot }],
        STORE_BOUND,
      ),
    );
    const retention = await t.phase('retention', () =>
      runStep(
        t,
        'retention',
        { key: 'retention/prune', title: `keep ${cluster.spec.etcd.backup?.keep ?? 10}`, host: member },
        acts.pruneEtcdSnapshots,
        [on],
        RETENTION_BOUND,
      ),
    );
    t.finish('completed');
    return { snapshot, storedAt: stored.path, ...retention };
  } catch (err) {
    t.finish('failed', err instanceof Error ? err.message : String(err));
    throw err;
  }
}
