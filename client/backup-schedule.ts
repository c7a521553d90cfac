// The etcd backup Schedule of a cluster (`hakube backup schedule`): it starts etcdBackup with the
// spec it was given; running `backup schedule` again after a spec change updates it.
import type { Cluster } from '../cluster/spec';
import type { HakubeClient } from './hakube-client';
import {
  changeSchedule,
  describeSchedule,
  ensureSchedule,
  type ScheduleChange,
  type ScheduledOperation,
  type ScheduleState,
} from './operation-schedule';

export const backupScheduleId = (cluster: string) => `etcd-backup-${cluster}`;

export interface BackupScheduleState extends Omit<ScheduleState, 'args'> {
  keep: number;
}

function backupOperation(cluster: Cluster): ScheduledOperation {
  return {
    scheduleId: backupScheduleId(cluster.metadata.name),
    workflowType: 'etcdBackup',
    workflowId: `backup-${cluster.metadata.name}`,
    operation: 'backup',
    cluster: cluster.metadata.name,
    args: [{ cluster }],
    label: `hakube etcd backups of ${cluster.metadata.name}`,
    // Above the backup's own step bounds (workflows/etcd-backup.ts), which fail it first and say why.
    runTimeout: '3 hours',
  };
}

/** Creates the schedule, or updates the existing one in place. */
export function ensureBackupSchedule(
  client: HakubeClient,
  cluster: Cluster,
  cron: string,
): Promise<{ id: string; created: boolean }> {
  return ensureSchedule(client, backupOperation(cluster), cron);
}

export async function describeBackupSchedule(
  client: HakubeClient,
  cluster: Cluster,
): Promise<BackupScheduleState> {
  const { args, ...state } = await describeSchedule(client, backupScheduleId(cluster.metadata.name));
  const spec = (args as [{ cluster: Cluster }] | [])[0]?.cluster;
  return { ...state, keep: spec?.spec.etcd.backup?.keep ?? 0 };
}

export function changeBackupSchedule(
  client: HakubeClient,
  cluster: string,
  change: ScheduleChange,
): Promise<void> {
  return changeSchedule(client, backupScheduleId(cluster), change);
}
