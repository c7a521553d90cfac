// The etcd backup Schedule of a cluster (`hakube backup schedule`): created or updated in place,
// paused, resumed, deleted, triggered. It starts etcdBackup with the spec it was given; running
// `backup schedule` again after a spec change updates it. Overlapping runs are skipped.
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type ScheduleOptionsAction,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { Cluster } from '../cluster/spec';
import { HakubeCluster, HakubeOperation, HakubePhase } from '../cluster/search-attributes';
import type { HakubeClient } from './hakube-client';

const NOTE_PREFIX = 'hakube etcd backups, cron: ';
const noteFor = (cron: string) => `${NOTE_PREFIX}${cron}`;

export const backupScheduleId = (cluster: string) => `etcd-backup-${cluster}`;

export interface BackupScheduleState {
  id: string;
  cron: string[];
  paused: boolean;
  keep: number;
  nextRuns: string[];
  recentRuns: { workflowId: string; scheduledAt: string }[];
}

function action(client: HakubeClient, cluster: Cluster): ScheduleOptionsAction {
  return {
    type: 'startWorkflow',
    workflowType: 'etcdBackup',
    // The schedule appends the scheduled time, so every run has its own id.
    workflowId: `backup-${cluster.metadata.name}`,
    taskQueue: client.taskQueue,
    args: [{ cluster }],
    typedSearchAttributes: new TypedSearchAttributes([
      { key: HakubeCluster, value: cluster.metadata.name },
      { key: HakubeOperation, value: 'backup' },
      { key: HakubePhase, value: 'starting' },
    ]),
  };
}

/** Creates the schedule, or updates the existing one in place. */
export async function ensureBackupSchedule(
  client: HakubeClient,
  cluster: Cluster,
  cron: string,
): Promise<{ id: string; created: boolean }> {
  const id = backupScheduleId(cluster.metadata.name);
  const spec = { cronExpressions: [cron] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' };
  try {
    await client.temporal.schedule.create({
      scheduleId: id,
      spec,
      action: action(client, cluster),
      policies,
      state: { note: noteFor(cron) },
    });
    return { id, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.temporal.schedule.getHandle(id).update((prev) => ({
    ...prev,
    spec,
    action: action(client, cluster),
    policies: { ...prev.policies, ...policies },
    // The server keeps cron text only as calendars: the note carries it for `describe`.
    state: { ...prev.state, note: noteFor(cron) },
  }));
  return { id, created: false };
}

export async function describeBackupSchedule(
  client: HakubeClient,
  cluster: Cluster,
): Promise<BackupScheduleState> {
  const id = backupScheduleId(cluster.metadata.name);
  const d = await client.temporal.schedule.getHandle(id).describe();
  const args =
    d.action.type === 'startWorkflow' ? (d.action.args as [{ cluster: Cluster }] | undefined) : undefined;
  return {
    id,
    cron: d.state.note?.startsWith(NOTE_PREFIX) ? [d.state.note.slice(NOTE_PREFIX.length)] : [],
    paused: d.state.paused,
    keep: args?.[0]?.cluster.spec.etcd.backup?.keep ?? 0,
    nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.map((a) => ({
      workflowId: a.action.workflow.workflowId,
      scheduledAt: a.scheduledAt.toISOString(),
    })),
  };
}

export async function changeBackupSchedule(
  client: HakubeClient,
  cluster: string,
  change: 'pause' | 'resume' | 'delete' | 'trigger',
): Promise<void> {
  const handle = client.temporal.schedule.getHandle(backupScheduleId(cluster));
  if (change === 'pause') await handle.pause('paused with hakube backup schedule --pause');
  else if (change === 'resume') await handle.unpause('resumed with hakube backup schedule --resume');
  else if (change === 'delete') await handle.delete();
  else await handle.trigger(ScheduleOverlapPolicy.SKIP);
}
