// Reading a finished workflow's history (the proto3 JSON of `temporal workflow show -o json`) for
// what the fault scenarios claim: which steps ran more than once, which attempts a fault cost,
// and how soon after a worker came back the next activity started; and for bench/fanout, which
// steps took longest.

interface RawFailure {
  message?: string;
  timeoutFailureInfo?: { timeoutType?: string };
  applicationFailureInfo?: { type?: string };
}

interface RawEvent {
  eventId: string;
  eventTime: string;
  eventType: string;
  userMetadata?: { summary?: { data?: string } };
  activityTaskScheduledEventAttributes?: { activityId: string; activityType: { name: string } };
  activityTaskStartedEventAttributes?: {
    scheduledEventId: string;
    attempt?: number;
    lastFailure?: RawFailure;
  };
  [attributes: string]: unknown;
}

/** One scheduled activity (one step) and what became of it. */
export interface ActivityRecord {
  activityId: string;
  activityType: string;
  /** What the step does, as the workflow described it (the Web UI's summary). */
  summary: string;
  /** `<activity type> <summary>`: the step, as the Web UI shows it. */
  step: string;
  scheduledAt: number;
  /** The start of its last attempt (the server records that attempt's real start time). */
  startedAt?: number;
  attempts: number;
  completed: boolean;
  /** When and how it ended (completed, failed, timed_out, canceled); unset while in flight. */
  closedAt?: number;
  ended?: string;
  /** Why the attempt before the last one ended ("activity Heartbeat timeout", a typed failure). */
  lastFailure?: string;
  /** The attempt before the last one was lost with its worker (heartbeat or start-to-close timeout). */
  lostWithWorker: boolean;
}

const ACTIVITY_SCHEDULED = 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED';
const ACTIVITY_STARTED = 'EVENT_TYPE_ACTIVITY_TASK_STARTED';
const ACTIVITY_CLOSED = /^EVENT_TYPE_ACTIVITY_TASK_(COMPLETED|FAILED|TIMED_OUT|CANCELED)$/;

/** Every closing event's attributes name the event that scheduled the activity. */
function scheduledEventOf(closed: RawEvent): string | undefined {
  const attrs = Object.values(closed).find(
    (v): v is { scheduledEventId: string } => typeof v === 'object' && v !== null && 'scheduledEventId' in v,
  );
  return attrs?.scheduledEventId;
}

function eventsOf(historyJson: string): RawEvent[] {
  return (JSON.parse(historyJson) as { events: RawEvent[] }).events;
}

function summaryOf(e: RawEvent): string {
  const data = e.userMetadata?.summary?.data;
  return data ? (JSON.parse(Buffer.from(data, 'base64').toString()) as string) : '';
}

export function activityRecords(historyJson: string): ActivityRecord[] {
  const byEvent = new Map<string, ActivityRecord>();
  for (const e of eventsOf(historyJson)) {
    if (e.eventType === ACTIVITY_SCHEDULED && e.activityTaskScheduledEventAttributes) {
      const a = e.activityTaskScheduledEventAttributes;
      const summary = summaryOf(e);
      byEvent.set(e.eventId, {
        activityId: a.activityId,
        activityType: a.activityType.name,
        summary,
        step: `${a.activityType.name} ${summary}`.trim(),
        scheduledAt: Date.parse(e.eventTime),
        attempts: 0,
        completed: false,
        lostWithWorker: false,
      });
    } else if (e.eventType === ACTIVITY_STARTED && e.activityTaskStartedEventAttributes) {
      const a = e.activityTaskStartedEventAttributes;
      const r = byEvent.get(a.scheduledEventId);
      if (!r) continue;
      r.startedAt = Date.parse(e.eventTime);
      r.attempts = a.attempt ?? 1;
      r.lastFailure = a.lastFailure?.message;
      const timeout = a.lastFailure?.timeoutFailureInfo?.timeoutType;
      r.lostWithWorker = timeout === 'TIMEOUT_TYPE_HEARTBEAT' || timeout === 'TIMEOUT_TYPE_START_TO_CLOSE';
    } else if (ACTIVITY_CLOSED.test(e.eventType)) {
      const r = byEvent.get(scheduledEventOf(e) ?? '');
      if (!r) continue;
      r.closedAt = Date.parse(e.eventTime);
      r.ended = e.eventType.replace('EVENT_TYPE_ACTIVITY_TASK_', '').toLowerCase();
      r.completed = r.ended === 'completed';
    }
  }
  return [...byEvent.values()];
}

/**
 * Steps that ran again after they had run to their end: the same step (activity type and
 * summary) scheduled more than once. A step's attempts are one scheduled activity; a second
 * scheduling means the workflow did the work again instead of resuming after it.
 */
export function stepsRunTwice(records: ActivityRecord[]): string[] {
  const seen = new Map<string, number>();
  for (const r of records) seen.set(r.step, (seen.get(r.step) ?? 0) + 1);
  return [...seen.entries()].filter(([, n]) => n > 1).map(([step]) => step);
}

/** Steps that completed more than once (the server records one completion per scheduled activity). */
export function stepsCompletedTwice(records: ActivityRecord[]): string[] {
  return stepsRunTwice(records.filter((r) => r.completed));
}

/** The first activity scheduled or started at or after `t` (ms since the epoch), as ms after `t`. */
export function firstActivityAfter(historyJson: string, t: number): { ms: number; step: string } | undefined {
  let best: { at: number; step: string } | undefined;
  for (const r of activityRecords(historyJson)) {
    for (const at of [r.scheduledAt, r.startedAt]) {
      if (at !== undefined && at >= t && (!best || at < best.at)) best = { at, step: r.step };
    }
  }
  return best && { ms: best.at - t, step: best.step };
}

/** Steps that finished with their attempts failing, typed or not (e.g. while a host was away). */
export function retriedSteps(
  records: ActivityRecord[],
): { step: string; attempts: number; lastFailure?: string }[] {
  return records
    .filter((r) => r.attempts > 1)
    .map((r) => ({ step: r.step, attempts: r.attempts, lastFailure: r.lastFailure }));
}
