// What a failed operation's history says about its failed activities: which type of failure,
// whether it was marked non-retryable, and how many attempts the server made (the started event
// of an activity carries its final attempt number).

export interface FailedActivity {
  activity: string;
  summary: string;
  type: string;
  nonRetryable: boolean;
  retryState: string;
  attempts: number;
}

interface Failure {
  message?: string;
  cause?: Failure;
  applicationFailureInfo?: { type?: string; nonRetryable?: boolean };
}

interface HistoryEvent {
  eventId: string;
  eventType: string;
  userMetadata?: { summary?: { data?: string } };
  activityTaskScheduledEventAttributes?: { activityType: { name: string } };
  activityTaskStartedEventAttributes?: { scheduledEventId: string; attempt?: number };
  activityTaskFailedEventAttributes?: { scheduledEventId: string; failure?: Failure; retryState?: string };
}

const decodeSummary = (data: string | undefined): string =>
  data ? (JSON.parse(Buffer.from(data, 'base64').toString()) as string) : '';

export function failedActivities(historyJson: string): { scheduled: number; failed: FailedActivity[] } {
  const { events } = JSON.parse(historyJson) as { events: HistoryEvent[] };
  const scheduled = new Map<string, { activity: string; summary: string }>();
  const attempts = new Map<string, number>();
  const failed: FailedActivity[] = [];
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s)
      scheduled.set(e.eventId, {
        activity: s.activityType.name,
        summary: decodeSummary(e.userMetadata?.summary?.data),
      });
    const st = e.activityTaskStartedEventAttributes;
    if (st) attempts.set(st.scheduledEventId, st.attempt ?? 1);
    const f = e.activityTaskFailedEventAttributes;
    if (f) {
      const info = f.failure?.applicationFailureInfo;
      failed.push({
        ...(scheduled.get(f.scheduledEventId) ?? { activity: '?', summary: '' }),
        type: info?.type ?? '(none)',
        nonRetryable: info?.nonRetryable === true,
        retryState: f.retryState ?? '',
        attempts: attempts.get(f.scheduledEventId) ?? 0,
      });
    }
  }
  return { scheduled: scheduled.size, failed };
}

/** The failure types along an error's cause chain (a WorkflowFailedError down to the activity's). */
export function causeTypes(err: unknown): string[] {
  const out: string[] = [];
  let e = err as { type?: string; name?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 10; depth++) {
    out.push(e.type ?? e.name ?? '?');
    e = e.cause as typeof e;
  }
  return out;
}
