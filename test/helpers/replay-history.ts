// Replaying recorded histories (test/histories/**) against the workflow bundle, and, when one no
// longer replays, finding the first event the code does not reproduce: the shortest prefix of the
// history that fails to replay ends with it (a prefix replays its completed workflow tasks and
// checks each command event it holds against what the code sends). The workflow task completed
// just before that event is where `temporal workflow reset --event-id` resumes such an execution
// with the current code (docs/versioning.md).
//
//   node dist/test/helpers/replay-history.js HISTORY.json...   (`temporal workflow show -o json`)
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Runtime, Worker } from '@temporalio/worker';
import { DEFAULT_BUNDLE_PATH } from '../../workers/worker';
import { createJsonLogger } from '../../workers/logger';
import { HISTORIES_DIR } from './record-history';
import { REPO_ROOT } from './temp-home';

export { HISTORIES_DIR };

/** A history as `temporal workflow show -o json` prints it (proto JSON). */
export interface HistoryJson {
  events: HistoryEventJson[];
}

type HistoryEventJson = { eventId: string; eventType: string; eventTime?: string } & Record<string, unknown>;

/** Every history under `dir`, recursively, as paths relative to it (sorted). */
export function listHistories(dir = HISTORIES_DIR): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.split('\\').join('/'))
    .sort();
}

let runtimeReady = false;

/** Replay workers log every failed workflow task; the caller reports failures itself. */
function quietRuntime(): void {
  if (runtimeReady) return;
  runtimeReady = true;
  try {
    Runtime.install({
      logger: createJsonLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
    });
  } catch {
    // Installed already by this process: its logger stays.
  }
}

/** Replays `history`; resolves to the determinism error when the code does not reproduce it. */
export async function replayError(
  history: HistoryJson,
  bundlePath = DEFAULT_BUNDLE_PATH,
): Promise<DeterminismViolationError | undefined> {
  quietRuntime();
  try {
    await Worker.runReplayHistory({ workflowBundle: { codePath: bundlePath } }, history, 'replay');
    return undefined;
  } catch (err) {
    if (err instanceof DeterminismViolationError) return err;
    throw err;
  }
}

const attrs = (e: HistoryEventJson, key: string) => e[key] as Record<string, unknown> | undefined;

/** One event in words: "#157 ActivityTaskScheduled ensureApiserver (activity 25)". */
export function describeEvent(e: HistoryEventJson): string {
  const type = e.eventType.replace(/^EVENT_TYPE_/, '').toLowerCase();
  const name = type.replace(/(^|_)([a-z])/g, (_m, _s: string, c: string) => c.toUpperCase());
  const act = attrs(e, 'activityTaskScheduledEventAttributes');
  if (act) {
    const typeName = (act.activityType as { name?: string } | undefined)?.name;
    return `#${e.eventId} ${name} ${typeName} (activity ${String(act.activityId)})`;
  }
  const child = attrs(e, 'startChildWorkflowExecutionInitiatedEventAttributes');
  if (child) return `#${e.eventId} ${name} ${String(child.workflowId)}`;
  const timer = attrs(e, 'timerStartedEventAttributes');
  if (timer) return `#${e.eventId} ${name} (timer ${String(timer.timerId)})`;
  const marker = attrs(e, 'markerRecordedEventAttributes');
  if (marker)
    return `#${e.eventId} ${name} ${String(marker.markerName)}${patchIdOf(e) ? ` ${patchIdOf(e)}` : ''}`;
  const upsert = attrs(e, 'upsertWorkflowSearchAttributesEventAttributes');
  if (upsert) {
    const fields = (
      upsert.searchAttributes as { indexedFields?: Record<string, { data?: string }> } | undefined
    )?.indexedFields;
    const shown = Object.entries(fields ?? {}).map(
      ([k, v]) => `${k}=${v.data ? Buffer.from(v.data, 'base64').toString('utf8') : '?'}`,
    );
    return `#${e.eventId} ${name} ${shown.join(' ')}`;
  }
  return `#${e.eventId} ${name}`;
}

/** The patch id a patch marker records (core writes it as the marker's `patch_data` detail). */
function patchIdOf(e: HistoryEventJson): string | undefined {
  const details = attrs(e, 'markerRecordedEventAttributes')?.details as
    Record<string, { payloads?: { data?: string }[] }> | undefined;
  const data = details?.patch_data?.payloads?.[0]?.data;
  if (!data) return undefined;
  try {
    return (JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id?: string }).id;
  } catch {
    return undefined;
  }
}

export interface Divergence {
  /** The first event the code does not reproduce. */
  eventId: number;
  event: string;
  /**
   * The workflow task completed just before it: `temporal workflow reset --event-id` with it
   * resumes the execution with the current code from there (that task is run again).
   */
  resetEventId: number;
  /** What the SDK said. */
  error: string;
}

const prefix = (h: HistoryJson, n: number): HistoryJson => ({ events: h.events.slice(0, n) });

/**
 * Where `history` stops replaying: undefined when all of it replays. Prefixes that fail are
 * monotone (a prefix holding the mismatch fails, every longer one too), so a bisection finds the
 * shortest failing one in a dozen replays.
 */
export async function findDivergence(
  history: HistoryJson,
  bundlePath = DEFAULT_BUNDLE_PATH,
): Promise<Divergence | undefined> {
  const full = await replayError(history, bundlePath);
  if (!full) return undefined;
  // Invariant: the first `ok` events replay (up to the first task's start, which runs live), the
  // first `bad` ones do not.
  let ok = history.events.findIndex((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_STARTED') + 1;
  let bad = history.events.length;
  let error = full;
  while (bad - ok > 1) {
    const mid = Math.floor((ok + bad) / 2);
    const err = await replayError(prefix(history, mid), bundlePath);
    if (err) {
      bad = mid;
      error = err;
    } else ok = mid;
  }
  const event = history.events[bad - 1];
  const completed = history.events
    .slice(0, bad - 1)
    .filter((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED')
    .at(-1);
  return {
    eventId: Number(event.eventId),
    event: describeEvent(event),
    resetEventId: Number(completed?.eventId ?? 0),
    error: sdkMessage(error),
  };
}

/** Core's own words ("[TMPRL1100] Nondeterminism error: ..."), without the wrapper around them. */
function sdkMessage(err: Error): string {
  const m = /message: "((?:[^"\\]|\\.)*)"/.exec(err.message);
  return m ? m[1] : err.message;
}

export function describeDivergence(file: string, d: Divergence): string {
  return (
    `${file}: the code no longer reproduces event ${d.event} — ${d.error}. ` +
    `The events before it replay; the workflow task completed at #${d.resetEventId} is the reset point. ` +
    'A change to what an operation schedules goes behind patched() (docs/versioning.md).'
  );
}

/**
 * The history of the run `temporal workflow reset --event-id resetEventId` starts: the events up
 * to that task's start, the task failed by the reset, and a new task the current code runs.
 */
export function afterReset(history: HistoryJson, resetEventId: number): HistoryJson {
  const completed = history.events.find((e) => Number(e.eventId) === resetEventId);
  if (completed?.eventType !== 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED')
    throw new Error(`event #${resetEventId} is not a WorkflowTaskCompleted event`);
  const kept = history.events.filter((e) => Number(e.eventId) < resetEventId);
  const started = kept.at(-1);
  const scheduled = kept.at(-2);
  if (started?.eventType !== 'EVENT_TYPE_WORKFLOW_TASK_STARTED' || !scheduled)
    throw new Error(`event #${resetEventId} does not follow a WorkflowTaskStarted event`);
  const at = started.eventTime;
  let id = resetEventId;
  const next = (eventType: string, extra: Record<string, unknown>): HistoryEventJson => ({
    eventId: String(id++),
    eventTime: at,
    eventType,
    ...extra,
  });
  const taskQueue = (attrs(scheduled, 'workflowTaskScheduledEventAttributes') ?? {}).taskQueue;
  const failed = next('EVENT_TYPE_WORKFLOW_TASK_FAILED', {
    workflowTaskFailedEventAttributes: {
      scheduledEventId: scheduled.eventId,
      startedEventId: started.eventId,
      cause: 'WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW',
      identity: 'reset',
    },
  });
  const newScheduled = next('EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', {
    workflowTaskScheduledEventAttributes: { taskQueue, startToCloseTimeout: '10s', attempt: 1 },
  });
  const newStarted = next('EVENT_TYPE_WORKFLOW_TASK_STARTED', {
    workflowTaskStartedEventAttributes: { scheduledEventId: newScheduled.eventId, identity: 'reset' },
  });
  return { events: [...kept, failed, newScheduled, newStarted] };
}

export const readHistory = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as HistoryJson;

/** Replays the history in `path`; throws an error naming the file and its first event the code does not reproduce. */
export async function replayHistoryFile(path: string, bundlePath = DEFAULT_BUNDLE_PATH): Promise<void> {
  const d = await findDivergence(readHistory(path), bundlePath);
  const inRepo = relative(REPO_ROOT, path);
  const named = inRepo && !inRepo.startsWith('..') && !isAbsolute(inRepo) ? inRepo : path;
  if (d) throw new Error(describeDivergence(named, d), { cause: d });
}

if (require.main === module) {
  void (async () => {
    let failed = 0;
    for (const path of process.argv.slice(2)) {
      const d = await findDivergence(readHistory(path));
      if (!d) console.log(`${path}: replays`);
      else {
        failed++;
        console.log(describeDivergence(path, d));
        console.log(
          `  resume it with: temporal workflow reset --workflow-id ID --event-id ${d.resetEventId} --reason ...`,
        );
      }
    }
    process.exitCode = failed ? 1 : 0;
  })();
}
