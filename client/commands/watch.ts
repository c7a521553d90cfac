// `hakube watch ID`: follows an operation until it ends. In a terminal the view is redrawn in
// place every second; otherwise (CI logs, pipes) each change is printed once as a plain line.
// Exit code as for --wait: 0 completed, 1 failed or rejected, 3 approval timed out.
import type { Command } from 'commander';
import type { OperationProgress } from '../../cluster/progress';
import { withClient } from '../connect';
import type { HakubeClient, PendingStep } from '../hakube-client';
import { changeLines, countRetries, isFinished, renderWatch, summaryLines } from '../watch-view';
import type { WarningCursor } from '../warning-groups';
import { waitForOutcome } from './operations';

const POLL_MS = 1000;

export interface WatchOptions {
  json?: boolean;
  /** Redraw in place (default: when stdout is a terminal and not `plain`). */
  live?: boolean;
  /** Append-only lines even in a terminal. */
  plain?: boolean;
}

/**
 * The execution is read before the progress: once it says closed, the progress read after it is
 * the final one, so the last phase's end is printed before the operation's (read the other way
 * round, a workflow closing in between left the last phase running in the last snapshot).
 */
async function snapshot(
  client: HakubeClient,
  id: string,
): Promise<[OperationProgress, PendingStep[], boolean]> {
  const execution = await client.execution(id);
  const p = await client.progress(id);
  return [p, execution.pending, execution.closed];
}

/** Follows `id` until it finishes; returns the exit code of its outcome. */
export async function watchOperation(
  client: HakubeClient,
  id: string,
  opts: WatchOptions = {},
): Promise<number> {
  const live = opts.live ?? (!opts.json && !opts.plain && process.stdout.isTTY === true);
  const retries = new Map<string, number>();
  let before: OperationProgress | undefined;
  let pendingBefore: PendingStep[] = [];
  let drawn = 0;
  const warnings: WarningCursor = { shown: 0 };
  for (let frame = 0; ; frame++) {
    const [p, pending, closed] = await snapshot(client, id);
    const now = new Date();
    if (opts.json) {
      if (JSON.stringify(p) !== JSON.stringify(before))
        process.stdout.write(`${JSON.stringify({ ...p, pending })}\n`);
    } else if (live) {
      const width = Math.max(40, (process.stdout.columns ?? 120) - 1);
      const lines = renderWatch(p, pending, now, frame, id).map((l) =>
        l.length > width ? `${l.slice(0, width - 1)}…` : l,
      );
      process.stdout.write(`${drawn ? `\x1b[${drawn}F\x1b[J` : ''}${lines.join('\n')}\n`);
      drawn = lines.length;
    } else {
      for (const line of changeLines(before, p, pendingBefore, pending, now, id, warnings))
        process.stdout.write(`${line}\n`);
    }
    countRetries(retries, pending);
    before = p;
    pendingBefore = pending;
    // Closed without finishing its own progress: terminated, or timed out by the server.
    if (isFinished(p) || closed) {
      if (!opts.json) for (const line of summaryLines(p, retries, now)) process.stdout.write(`${line}\n`);
      break;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return waitForOutcome(client, id, !!opts.json);
}

export function registerWatchCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('watch')
    .description('follow an operation live until it ends (plain lines when not a terminal)')
    .argument('<id>', 'workflow id, e.g. install-prod-eu1')
    .option('--json', 'print each new progress snapshot as one JSON line')
    .option('--plain', 'append-only lines even in a terminal')
    .action(async (id: string, opts: { json?: boolean; plain?: boolean }, cmd: Command) => {
      await withClient(cmd, async (client) => setExit(await watchOperation(client, id, opts)));
    });
}
