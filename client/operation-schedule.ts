// Temporal Schedules that start a hakube operation on a cron (the etcd backup, the daily
// certificate check): created or updated in place, described, paused, resumed, deleted,
// triggered. Overlapping runs are skipped, and each run has a run timeout so one that is stuck
// cannot skip the later ones forever; every run gets its own workflow id (the schedule appends
// the scheduled time) and the operation's search attributes.
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type ScheduleOptionsAction,
} from '@temporalio/client';
import type { Operation } from '../cluster/operations';
import { operationSearchAttributes, type HakubeClient } from './hakube-client';

export interface ScheduledOperation {
  scheduleId: string;
  workflowType: string;
  /** Each run's id is this plus the scheduled time. */
  workflowId: string;
  operation: Operation;
  cluster: string;
  args: unknown[];
  /** Shown in the Web UI; also carries the cron text, which the server keeps only as calendars. */
  label: string;
  /**
   * Each run ends (timed out) after this at the latest: with overlapping runs skipped, a run
   * stuck for good would otherwise silently skip every later one.
   */
  runTimeout: string;
}

export interface ScheduleState {
  id: string;
  cron: string[];
  paused: boolean;
  nextRuns: string[];
  recentRuns: { workflowId: string; scheduledAt: string }[];
  /** The arguments its runs start with. */
  args: unknown[];
}

export type ScheduleChange = 'pause' | 'resume' | 'delete' | 'trigger';

const noteFor = (label: string, cron: string) => `${label}, cron: ${cron}`;

function action(client: HakubeClient, op: ScheduledOperation): ScheduleOptionsAction {
  return {
    type: 'startWorkflow',
    workflowType: op.workflowType,
    workflowId: op.workflowId,
    taskQueue: client.taskQueue,
    args: op.args,
    workflowRunTimeout: op.runTimeout,
    typedSearchAttributes: operationSearchAttributes(op.cluster, op.operation),
  };
}

/** Creates the schedule, or updates the existing one in place. */
export async function ensureSchedule(
  client: HakubeClient,
  op: ScheduledOperation,
  cron: string,
): Promise<{ id: string; created: boolean }> {
  const spec = { cronExpressions: [cron] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' };
  const note = noteFor(op.label, cron);
  try {
    await client.temporal.schedule.create({
      scheduleId: op.scheduleId,
      spec,
      action: action(client, op),
      policies,
      state: { note },
    });
    return { id: op.scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.temporal.schedule.getHandle(op.scheduleId).update((prev) => ({
    ...prev,
    spec,
    action: action(client, op),
    policies: { ...prev.policies, ...policies },
    state: { ...prev.state, note },
  }));
  return { id: op.scheduleId, created: false };
}

export async function describeSchedule(client: HakubeClient, scheduleId: string): Promise<ScheduleState> {
  const d = await client.temporal.schedule.getHandle(scheduleId).describe();
  const cron = /, cron: (.+)$/.exec(d.state.note ?? '')?.[1];
  return {
    id: scheduleId,
    cron: cron ? [cron] : [],
    paused: d.state.paused,
    nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.map((a) => ({
      workflowId: a.action.workflow.workflowId,
      scheduledAt: a.scheduledAt.toISOString(),
    })),
    args: d.action.type === 'startWorkflow' ? ((d.action.args as unknown[] | undefined) ?? []) : [],
  };
}

export async function changeSchedule(
  client: HakubeClient,
  scheduleId: string,
  change: ScheduleChange,
): Promise<void> {
  const handle = client.temporal.schedule.getHandle(scheduleId);
  if (change === 'pause') await handle.pause('paused with hakube');
  else if (change === 'resume') await handle.unpause('resumed with hakube');
  else if (change === 'delete') await handle.delete();
  else await handle.trigger(ScheduleOverlapPolicy.SKIP);
}
