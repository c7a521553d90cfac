// Heartbeats that prove the worker is alive while an activity runs, whatever the activity does.
// With a heartbeat timeout on every step, an activity whose worker was killed is retried on
// another worker within that timeout instead of waiting out its start-to-close timeout.
// Progress details (remote output, upload counts) go through reportProgress and are repeated
// by the ticker, so a liveness beat never wipes what the Web UI shows.
import { Context } from '@temporalio/activity';
import { wrapActivities, type AsyncFn } from './wrap';

export const LIVENESS_INTERVAL_MS = 5_000;

const lastDetails = new WeakMap<Context, unknown>();

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // outside an activity (unit tests)
  }
}

/** Heartbeats `details` now; the liveness ticker repeats them until the next report. */
export function reportProgress(details: unknown): void {
  const ctx = currentContext();
  if (!ctx) return;
  lastDetails.set(ctx, details);
  ctx.heartbeat(details);
}

export function withLivenessHeartbeats<T extends Record<string, AsyncFn>>(activities: T): T {
  return wrapActivities(activities, async (run) => {
    const ctx = currentContext();
    const timer = ctx
      ? setInterval(() => ctx.heartbeat(lastDetails.get(ctx)), LIVENESS_INTERVAL_MS)
      : undefined;
    try {
      return await run();
    } finally {
      clearInterval(timer);
    }
  });
}
