// What `hakube worker` does with the replay check before it polls: its settings, its log lines,
// and the refusal to start when an open execution would break (docs/versioning.md, "What the
// worker checks at start").
import type { Logger } from '@temporalio/worker';
import {
  DEFAULT_REPLAY_CHECK_LIMIT,
  replayOpenExecutions,
  type BrokenExecution,
  type ReplayCheckOptions,
} from './replay-open-executions';
import { WorkerSettingsError } from './settings-error';

export interface ReplayCheckSettings {
  /** HAKUBE_SKIP_REPLAY_CHECK=1 / --skip-replay-check: poll without replaying (dangerous). */
  skip: boolean;
  /** HAKUBE_REPLAY_CHECK_LIMIT / --replay-check-limit: at most this many executions replayed. */
  limit: number;
}

export function replayCheckSettingsFromEnv(env: NodeJS.ProcessEnv): ReplayCheckSettings {
  const raw = env.HAKUBE_REPLAY_CHECK_LIMIT?.trim();
  const limit = raw ? Number(raw) : DEFAULT_REPLAY_CHECK_LIMIT;
  if (!Number.isInteger(limit) || limit < 1)
    throw new WorkerSettingsError(
      `HAKUBE_REPLAY_CHECK_LIMIT / --replay-check-limit: ${JSON.stringify(raw)} is not a whole number of at least 1`,
    );
  return { skip: env.HAKUBE_SKIP_REPLAY_CHECK === '1', limit };
}

/** Open executions this worker's code would fail: it does not start. */
export class OpenExecutionsWouldBreakError extends Error {
  override name = 'OpenExecutionsWouldBreak';
  constructor(readonly broken: BrokenExecution[]) {
    super(refusal(broken));
  }
}

const firstLine = (s: string) => s.split('\n', 1)[0];

function refusal(broken: BrokenExecution[]): string {
  const shown = broken.slice(0, 10).map((b) => `${b.workflowId} (${b.workflowType}, run ${b.runId})`);
  const more = broken.length > shown.length ? ` and ${broken.length - shown.length} more` : '';
  return (
    `this worker's workflow code cannot replay ${broken.length} open execution(s) it would serve: ` +
    `${shown.join(', ')}${more}; their operations would stall on this worker's first workflow task. Run the ` +
    "previous release's worker until they finish, or put the change behind patched() " +
    '(docs/versioning.md); --skip-replay-check starts anyway (dangerous)'
  );
}

/** Replays the open executions (unless skipped); throws OpenExecutionsWouldBreakError when one would break. */
export async function requireOpenExecutionsReplay(
  check: Omit<ReplayCheckOptions, 'limit'>,
  settings: ReplayCheckSettings,
  log: Logger,
  replay = replayOpenExecutions,
): Promise<void> {
  if (settings.skip) {
    log.warn('replay check skipped (--skip-replay-check): open executions were not replayed before polling', {
      taskQueue: check.taskQueue,
    });
    return;
  }
  const result = await replay({ ...check, limit: settings.limit });
  if (!result.checked) {
    // The same stance as the search-attribute check: a least-privilege identity may not list.
    log.warn('could not list open executions to replay them; starting without the replay check', {
      reason: result.reason,
    });
    return;
  }
  const summary = {
    taskQueue: check.taskQueue,
    replayed: result.replayed,
    broken: result.broken.length,
    elapsedMs: result.elapsedMs,
  };
  if (result.moreThanLimit)
    log.warn(`more than ${settings.limit} open executions: only the first ${settings.limit} were replayed`, {
      ...summary,
      hint: '--replay-check-limit N replays more',
    });
  for (const b of result.broken)
    log.error('open execution would break on this worker', {
      workflowId: b.workflowId,
      runId: b.runId,
      workflowType: b.workflowType,
      nondeterminism: b.nondeterminism,
      error: firstLine(b.error),
    });
  if (result.broken.length > 0) throw new OpenExecutionsWouldBreakError(result.broken);
  log.info(`replayed ${result.replayed} open execution${result.replayed === 1 ? '' : 's'}`, summary);
}
