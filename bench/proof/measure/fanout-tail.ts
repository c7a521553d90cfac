// Why the slowest node of a join run was slow: its join workflow's history read back, and its
// longest activities listed with how long they waited for a worker slot (scheduled → started),
// how many attempts they took and how they ended. A figure with a long tail needs its reason.
import { workflowIdFor } from '../../../cluster/operations';
import { workflowHistoryJson } from '../../../test/helpers/temporal';

export interface SlowActivity {
  activity: string;
  summary: string;
  seconds: number;
  /** Scheduled → the (last) attempt's start: queueing for a worker slot, or retry backoff. */
  waitSeconds: number;
  attempts: number;
  ended: string;
}

interface HistoryEvent {
  eventId: string;
  eventTime: string;
  eventType: string;
  activityTaskScheduledEventAttributes?: { activityType: { name: string } };
  activityTaskStartedEventAttributes?: { scheduledEventId: string; attempt: number };
  userMetadata?: { summary?: { data?: string } };
  [attributes: string]: unknown;
}

const CLOSED = /^EVENT_TYPE_ACTIVITY_TASK_(COMPLETED|FAILED|TIMED_OUT|CANCELED)$/;

function summaryOf(e: HistoryEvent): string {
  const data = e.userMetadata?.summary?.data;
  return data ? (JSON.parse(Buffer.from(data, 'base64').toString()) as string) : '';
}

/** The `top` longest activities of one history (proto3 JSON, as `temporal workflow show -o json`). */
export function slowestActivities(historyJson: string, top = 3): SlowActivity[] {
  const { events } = JSON.parse(historyJson) as { events: HistoryEvent[] };
  const byId = new Map(events.map((e) => [e.eventId, e]));
  const started = new Map(
    events
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => [e.activityTaskStartedEventAttributes?.scheduledEventId, e]),
  );
  const out: SlowActivity[] = [];
  for (const closed of events.filter((e) => CLOSED.test(e.eventType))) {
    // Every closing event's attributes name the event that scheduled the activity.
    const attrs = Object.values(closed).find(
      (v): v is { scheduledEventId: string } =>
        typeof v === 'object' && v !== null && 'scheduledEventId' in v,
    );
    const scheduled = attrs ? byId.get(attrs.scheduledEventId) : undefined;
    if (!scheduled) continue;
    const start = started.get(scheduled.eventId);
    const t = (e: HistoryEvent) => Date.parse(e.eventTime);
    out.push({
      activity: scheduled.activityTaskScheduledEventAttributes?.activityType.name ?? '?',
      summary: summaryOf(scheduled),
      seconds: (t(closed) - t(scheduled)) / 1000,
      waitSeconds: start ? (t(start) - t(scheduled)) / 1000 : 0,
      attempts: start?.activityTaskStartedEventAttributes?.attempt ?? 0,
      ended: closed.eventType.replace('EVENT_TYPE_ACTIVITY_TASK_', '').toLowerCase(),
    });
  }
  return out.sort((a, b) => b.seconds - a.seconds).slice(0, top);
}

/** The slowest activities of `node`'s join (`join-<cluster>-<node>`); undefined when its history cannot be read. */
export function slowestOfJoin(
  serverAddress: string,
  cluster: string,
  node: string,
): SlowActivity[] | undefined {
  try {
    return slowestActivities(workflowHistoryJson(serverAddress, workflowIdFor('join', cluster, node)));
  } catch {
    return undefined;
  }
}

export function describeSlow(node: string, slow: SlowActivity[]): string {
  const parts = slow.map(
    (s) =>
      `${s.summary || s.activity} ${s.seconds.toFixed(0)} s (waited ${s.waitSeconds.toFixed(0)} s, ${s.attempts} attempt${s.attempts === 1 ? '' : 's'}, ${s.ended})`,
  );
  return `slowest node ${node}: ${parts.join('; ')}`;
}
