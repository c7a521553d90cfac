// A worker that starts ends the attempts an earlier worker on this same machine left running when
// it died (SIGKILL, OOM, a power cut). The server cannot know that worker is gone until the
// attempt's heartbeat timeout (30 s) passes; this worker can: an identity `PID@HOST` with this
// machine's host name whose PID is no longer alive (or is this very process: a PID cannot belong
// to two live processes) is a dead worker. Each of its started attempts is failed by id, with a
// retryable failure, so the step is retried at once instead of half a minute later. Attempts of
// workers on other machines, or of a live process here, are never touched.
import { Client, type ConnectionLike } from '@temporalio/client';
import { ApplicationFailure, type DataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { openExecutionsQuery } from './replay-open-executions';

/** The failure type the retried step shows for the attempt that was cut short. */
export const WORKER_GONE = 'WorkerGone';
export const DEFAULT_ORPHAN_SCAN_LIMIT = 200;

export interface ThisProcess {
  hostname: string;
  pid: number;
  /** Whether a process with this PID runs on this machine (process.kill(pid, 0)). */
  isAlive(pid: number): boolean;
}

/** The worker identity hakube's workers use (Temporal's default format, set explicitly so this rule can rely on it). */
export function workerIdentity(p: Pick<ThisProcess, 'hostname' | 'pid'>): string {
  return `${p.pid}@${p.hostname}`;
}

/** Whether `identity` names a worker on this machine that is gone; undefined for anything else. */
export function deadLocalWorker(identity: string | null | undefined, self: ThisProcess): string | undefined {
  const m = /^(\d+)@(.+)$/.exec(identity ?? '');
  if (!m || m[2] !== self.hostname) return undefined;
  const pid = Number(m[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (pid === self.pid) return `${identity} was this PID before this process started`;
  return self.isAlive(pid) ? undefined : `${identity} is gone (no process ${pid} on ${self.hostname})`;
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else — alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface OrphanScanOptions {
  connection: ConnectionLike;
  namespace: string;
  taskQueue: string;
  dataConverter?: DataConverter;
  self: ThisProcess;
  limit?: number;
}

export interface FailedAttempt {
  workflowId: string;
  runId: string;
  activityId: string;
  activityType: string;
  attempt: number;
  worker: string;
  why: string;
}

const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

/** Fails every started attempt of a dead worker of this machine on the open executions of `taskQueue`. */
export async function failOrphanedAttempts(opts: OrphanScanOptions): Promise<FailedAttempt[]> {
  const client = new Client({
    connection: opts.connection,
    namespace: opts.namespace,
    dataConverter: opts.dataConverter,
  });
  const failed: FailedAttempt[] = [];
  let seen = 0;
  for await (const info of client.workflow.list({ query: openExecutionsQuery(opts.taskQueue) })) {
    if (++seen > (opts.limit ?? DEFAULT_ORPHAN_SCAN_LIMIT)) break;
    const handle = client.workflow.getHandle(info.workflowId, info.runId);
    const d = await handle.describe();
    for (const a of d.raw.pendingActivities ?? []) {
      if (a.state !== STARTED || !a.activityId) continue;
      const why = deadLocalWorker(a.lastWorkerIdentity, opts.self);
      if (!why) continue;
      const attempt: FailedAttempt = {
        workflowId: info.workflowId,
        runId: info.runId,
        activityId: a.activityId,
        activityType: a.activityType?.name ?? 'unknown',
        attempt: a.attempt ?? 1,
        worker: a.lastWorkerIdentity ?? '',
        why,
      };
      try {
        await client.activity.fail(
          { workflowId: info.workflowId, runId: info.runId, activityId: a.activityId },
          ApplicationFailure.create({
            type: WORKER_GONE,
            message: `attempt ${attempt.attempt} ended by a new worker: its worker ${why}; retried now`,
          }),
        );
        failed.push(attempt);
      } catch {
        // Completed, timed out or retried meanwhile: nothing left to end.
      }
    }
  }
  return failed;
}
