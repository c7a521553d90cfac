// The worker's liveness for container health checks (docker-compose.yml): a file renewed every
// interval while the worker runs, neither poller has failed, and the server answers a health
// check over the worker's own connection. A hung process, a failed poller or a lost server leaves
// the file to age, and workers/health-check.js (the compose health check) fails.
import { rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { NativeConnection, Worker } from '@temporalio/worker';

export const HEALTH_INTERVAL_MS = 10_000;
/** Three missed renewals: one slow health call is not an outage. */
export const HEALTH_MAX_AGE_MS = 3 * HEALTH_INTERVAL_MS;
const FRONTEND_SERVICE = 'temporal.api.workflowservice.v1.WorkflowService';
const SERVING = 1;

/** True when the worker is running, its pollers have not failed, and the frontend says SERVING. */
export async function workerAlive(
  worker: Worker,
  connection: NativeConnection,
  timeoutMs: number,
): Promise<boolean> {
  const s = worker.getStatus();
  if (s.runState !== 'RUNNING' || s.workflowPollerState === 'FAILED' || s.activityPollerState === 'FAILED')
    return false;
  try {
    const r = await connection.withDeadline(Date.now() + timeoutMs, () =>
      connection.healthService.check({ service: FRONTEND_SERVICE }),
    );
    return r.status === SERVING;
  } catch {
    return false;
  }
}

export interface HealthFile {
  /** Stops renewing and removes the file: a stopped worker is not healthy. */
  stop(): Promise<void>;
}

export function startHealthFile(opts: {
  path: string;
  alive: () => Promise<boolean>;
  intervalMs?: number;
  onError?: (err: unknown) => void;
}): HealthFile {
  const intervalMs = opts.intervalMs ?? HEALTH_INTERVAL_MS;
  // A file left by an earlier run in the same container must not vouch for this one.
  rmSync(opts.path, { force: true });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const beat = async () => {
    try {
      if ((await opts.alive()) && !stopped) await writeFile(opts.path, `${new Date().toISOString()}\n`);
    } catch (err) {
      opts.onError?.(err);
    }
  };
  const loop = () => {
    inFlight = beat().finally(() => {
      if (!stopped) timer = setTimeout(loop, intervalMs);
    });
  };
  // First beat on the next turn: the caller starts the worker (state RUNNING) right after this.
  timer = setTimeout(loop, 0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
      rmSync(opts.path, { force: true });
    },
  };
}

/** The health check's verdict on a file's modification time (undefined: no file). Pure. */
export function healthVerdict(
  mtimeMs: number | undefined,
  nowMs: number,
  maxAgeMs = HEALTH_MAX_AGE_MS,
): { healthy: boolean; reason: string } {
  if (mtimeMs === undefined)
    return { healthy: false, reason: 'no health file: the worker is not running (yet)' };
  const age = Math.max(0, nowMs - mtimeMs);
  if (age > maxAgeMs)
    return {
      healthy: false,
      reason: `health file is ${Math.round(age / 1000)} s old (limit ${maxAgeMs / 1000} s): the worker is stopped, hung, or cannot reach Temporal`,
    };
  return { healthy: true, reason: `renewed ${Math.round(age / 1000)} s ago` };
}
