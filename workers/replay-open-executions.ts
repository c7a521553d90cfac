// The worker's start-up replay check: every execution still open on its task queue is replayed
// through the workflow code this worker is about to run. A release that changed what an
// operation schedules without patched() (docs/versioning.md) would fail those executions with a
// nondeterminism error the moment it polled; replaying first lets the worker refuse to start
// instead, while the previous release's worker can still finish them.
import { Client, type ConnectionLike } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { grpcCode, GrpcCode } from '../client/namespace/grpc';
import { WorkerSettingsError } from './settings-error';

export const DEFAULT_REPLAY_CHECK_LIMIT = 200;
/** Generous: bundling from source (--dev) and a 50k-event history each take seconds. */
export const DEFAULT_STEP_TIMEOUT_MS = 120_000;

export type WorkflowSource = Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;

export interface ReplayCheckOptions {
  /** The worker's connection (a NativeConnection serves). */
  connection: ConnectionLike;
  namespace: string;
  taskQueue: string;
  /** The same bundle or workflowsPath the worker runs. */
  source: WorkflowSource;
  /** The worker's: inputs of encrypted executions only decode with its keys. */
  dataConverter?: DataConverter;
  /** At most this many executions are replayed (DEFAULT_REPLAY_CHECK_LIMIT). */
  limit?: number;
  /**
   * Longest wait for one history's outcome (its fetch and replay; the first also loads the
   * bundle), DEFAULT_STEP_TIMEOUT_MS: the SDK never answers for some malformed histories.
   */
  stepTimeoutMs?: number;
}

export interface BrokenExecution {
  workflowId: string;
  runId: string;
  workflowType: string;
  /** A DeterminismViolationError: the code sends other commands than the history holds. */
  nondeterminism: boolean;
  /** The SDK's (or server's) words. */
  error: string;
}

export type ReplayCheck =
  | {
      checked: true;
      /** Executions replayed (or attempted: the broken ones included). */
      replayed: number;
      broken: BrokenExecution[];
      /** More open executions exist than `limit`: the rest were not replayed. */
      moreThanLimit: boolean;
      elapsedMs: number;
    }
  /** Visibility would not list the executions (no permission, not supported): nothing replayed. */
  | { checked: false; reason: string };

/** The visibility query for the open executions of one task queue. */
export function openExecutionsQuery(taskQueue: string): string {
  // Visibility queries have no escape we could rely on across stores: refuse rather than guess.
  if (/["\\\n\r]/.test(taskQueue))
    throw new WorkerSettingsError(
      `task queue ${JSON.stringify(taskQueue)}: a double quote, backslash or line break cannot be put in a visibility query`,
    );
  return `ExecutionStatus="Running" AND TaskQueue="${taskQueue}"`;
}

interface Execution {
  workflowId: string;
  runId: string;
  workflowType: string;
}

/** Server answers that mean "visibility will not tell this worker", not "something is wrong". */
const VISIBILITY_UNAVAILABLE: readonly number[] = [
  GrpcCode.PERMISSION_DENIED,
  GrpcCode.UNIMPLEMENTED,
  3, // INVALID_ARGUMENT: a visibility store that cannot filter on TaskQueue
  9, // FAILED_PRECONDITION: visibility disabled or not ready
];

export async function replayOpenExecutions(opts: ReplayCheckOptions): Promise<ReplayCheck> {
  const started = Date.now();
  const limit = opts.limit ?? DEFAULT_REPLAY_CHECK_LIMIT;
  const client = new Client({
    connection: opts.connection,
    namespace: opts.namespace,
    dataConverter: opts.dataConverter,
  });
  const query = openExecutionsQuery(opts.taskQueue);
  let listed: { executions: Execution[]; moreThanLimit: boolean };
  try {
    listed = await listOpen(client, query, limit);
  } catch (err) {
    // The client wraps the server's answer in a ServiceError of its own: the code is on the cause.
    const cause = (err as { cause?: unknown }).cause;
    const code = grpcCode(err) ?? grpcCode(cause);
    const reason = (cause instanceof Error ? cause : (err as Error)).message;
    if (code !== undefined && VISIBILITY_UNAVAILABLE.includes(code)) return { checked: false, reason };
    const what = `the open executions of task queue ${opts.taskQueue}`;
    throw new Error(`could not list ${what} to replay them: ${reason}`, { cause: err });
  }
  const broken = await replayAll(client, listed.executions, opts);
  return {
    checked: true,
    replayed: listed.executions.length,
    broken,
    moreThanLimit: listed.moreThanLimit,
    elapsedMs: Date.now() - started,
  };
}

async function listOpen(
  client: Client,
  query: string,
  limit: number,
): Promise<{ executions: Execution[]; moreThanLimit: boolean }> {
  const executions: Execution[] = [];
  for await (const info of client.workflow.list({ query, pageSize: Math.min(limit + 1, 1000) })) {
    // One past the limit tells "exactly limit" from "more": it is not replayed.
    if (executions.length === limit) return { executions, moreThanLimit: true };
    executions.push({ workflowId: info.workflowId, runId: info.runId, workflowType: info.type });
  }
  return { executions, moreThanLimit: false };
}

/**
 * Replays `executions` one at a time on one replay worker (the bundle loads once). Histories come
 * from the server and are untrusted: a fetch that fails, one the SDK rejects outright (which ends
 * its replay worker) or one whose replay never ends counts as that execution's failure, and the
 * rest go on.
 */
async function replayAll(
  client: Client,
  executions: Execution[],
  opts: ReplayCheckOptions,
): Promise<BrokenExecution[]> {
  const broken: BrokenExecution[] = [];
  const fail = (e: Execution, err: unknown) =>
    broken.push({
      ...e,
      nondeterminism: err instanceof DeterminismViolationError,
      error: sdkMessage(err),
    });
  let next = 0;
  let current: Execution | undefined;
  let currentDone = false;
  // Fetched lazily, as the replay worker asks: one history in memory at a time. Not closed by a
  // replay worker that ends early, so the next one resumes where it stopped.
  async function* histories(): AsyncGenerator<{
    workflowId: string;
    history: temporal.api.history.v1.IHistory;
  }> {
    while (next < executions.length) {
      const e = executions[next++];
      let history: temporal.api.history.v1.IHistory;
      try {
        history = await client.workflow.getHandle(e.workflowId, e.runId).fetchHistory();
      } catch (err) {
        // Deleted since it was listed (retention, a reset's old run): nothing left to break.
        if (grpcCode(err) === GrpcCode.NOT_FOUND) continue;
        fail(e, err);
        continue;
      }
      // Core panics (and its replay worker then never answers) on a history that does not start
      // with the execution's start: refused here, the timeout below being the last resort.
      const first = history.events?.[0]?.eventType as unknown;
      if (first !== 1 && first !== 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED') {
        fail(e, new Error('the history from the server does not start with WorkflowExecutionStarted'));
        continue;
      }
      current = e;
      currentDone = false;
      yield { workflowId: e.workflowId, history };
    }
  }
  const timeoutMs = opts.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  for (;;) {
    current = undefined;
    const replay = Worker.runReplayHistories(
      { ...opts.source, dataConverter: opts.dataConverter, replayName: 'hakube-start-check' },
      histories(),
    );
    try {
      for (;;) {
        const step = await withTimeout(replay.next(), timeoutMs);
        if (step === TIMED_OUT) {
          // The SDK waits for an outcome that never comes (a history no server would send): that
          // replay worker is abandoned, as is the execution; the rest go on a fresh one.
          const stuck = new Error(`replay did not finish within ${timeoutMs / 1000} s`);
          if (!current) throw stuck;
          if (!currentDone) fail(current, stuck);
          currentDone = true;
          break;
        }
        if (step.done) return broken;
        if (current && step.value.error) fail(current, step.value.error);
        currentDone = true;
      }
    } catch (err) {
      // Before any history: the workflow code itself does not load; the worker could not run it either.
      if (!current) throw err;
      if (!currentDone) fail(current, err);
      currentDone = true;
    }
  }
}

const TIMED_OUT = Symbol('timed out');

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Core's own words ("[TMPRL1100] Nondeterminism error: ...") without the wrappers around them. */
export function sdkMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const core = /message: "((?:[^"\\]|\\.)*)"/.exec(message);
  return (core ? core[1] : message).replace(/^Replay failed[^:]*: /, '');
}
