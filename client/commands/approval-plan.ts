// The plan an operation waits to have approved, as the run itself shows it (its folder names
// carry the run's time stamp), with the commands that decide; and the flags such operations share.
import type { Command } from 'commander';
import type { HakubeClient, StartedOperation } from '../hakube-client';
import { printJson, printLines } from '../output';
import { watchOperation } from './watch';

export async function approvalPlanLines(client: HakubeClient, id: string, what: string): Promise<string[]> {
  for (let i = 0; i < 30; i++) {
    const p = await client.progress(id).catch(() => undefined);
    const asked = p?.waiting ?? p?.decisions.at(-1);
    if (asked?.plan) {
      const lines = asked.plan.map((l) => `  plan: ${l}`);
      if (p?.waiting)
        lines.push(
          `  waiting for approval until ${p.waiting.deadline}:`,
          `    hakube approve ${id}    or    hakube reject ${id} --reason "..."`,
          ...(p.waiting.choices?.includes('roll-back')
            ? [`    or    hakube reject ${id} --roll-back --reason "..."   (also undo what it did so far)`]
            : []),
        );
      else lines.push('  approved in advance (--yes)');
      return lines;
    }
    if (p && p.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return [`  ${what}: see hakube status ${id}`];
}

/** The flags of every operation behind an approval: --dry-run, --yes, --approval-timeout, --wait, --json. */
export function withApprovalFlags(command: Command): Command {
  return command
    .option('--dry-run', 'print the phases and the plan to approve; change nothing, connect nowhere')
    .option('--yes', 'approve in advance: do not wait for `hakube approve`')
    .option(
      '--approval-timeout <duration>',
      'how long to wait for a decision; then nothing is changed',
      '30m',
    )
    .option('--wait', 'follow it live until it ends')
    .option('--json', 'print JSON');
}

/**
 * After starting an operation behind an approval: its id and the plan it waits to have approved
 * (or JSON), or with --wait the live view until it ends; sets the exit code of its outcome.
 */
export async function followApproval(
  client: HakubeClient,
  started: StartedOperation,
  flags: { wait?: boolean; json?: boolean },
  what: string,
  setExit: (code: number) => void,
): Promise<void> {
  if (flags.wait) {
    setExit(await watchOperation(client, started.workflowId, { json: flags.json }));
    return;
  }
  if (flags.json) return printJson(started);
  printLines([`${started.started ? 'started' : 'attached to running'} ${started.workflowId}`]);
  printLines(await approvalPlanLines(client, started.workflowId, what));
}
