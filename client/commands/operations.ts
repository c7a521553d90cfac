// Commands common to every operation: status, approve, reject, ls, and the self-test.
import type { Command } from 'commander';
import type { Cluster } from '../../cluster/spec';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { OperationProgress } from '../../cluster/progress';
import { ExitCode, InputError } from '../exit-codes';
import { withClient } from '../connect';
import { printJson, printLines, table } from '../output';
import { DecisionRefusedError, type HakubeClient } from '../hakube-client';
import { retryingLines } from '../watch-view';
import { groupWarnings, operationHosts } from '../warning-groups';
import { finishedOperations, historyRows } from '../history';
import { namespaceRetentionMs } from '../namespace/grpc';
import { retentionNote } from '../namespace/retention';
// watch.ts imports waitForOutcome from here: a cycle used only at run time, never at load.
import { watchOperation } from './watch';
import { userInfo } from 'node:os';

export function progressLines(p: OperationProgress): string[] {
  const lines = [`${p.operation} ${p.cluster}: ${p.status}${p.phase ? ` (phase ${p.phase})` : ''}`];
  if (p.waiting) {
    lines.push(`WAITING FOR APPROVAL: ${p.waiting.question}  (deadline ${p.waiting.deadline})`);
    lines.push(...p.waiting.plan.map((s) => `  plan: ${s}`));
    if (p.waiting.choices?.length)
      lines.push(`  choices beyond approve/reject: ${p.waiting.choices.join(', ')}`);
  }
  for (const phase of p.phases) {
    lines.push(`  [${phase.status}] ${phase.title}`);
    for (const s of phase.steps)
      lines.push(
        `      [${s.status}] ${s.key}${s.host ? ` @${s.host}` : ''}${s.error ? `: ${s.error}` : ''}`,
      );
  }
  for (const d of p.decisions)
    lines.push(
      `  ${d.approved ? 'approved' : 'rejected'}${d.choice ? ` (${d.choice})` : ''} by ${d.by} at ${d.at}${d.reason ? `: ${d.reason}` : ''}`,
    );
  for (const w of groupWarnings(p.warnings, operationHosts(p))) lines.push(`  warning: ${w}`);
  return lines;
}

/** Waits for a workflow's result and maps its failure to an exit code. */
export async function waitForOutcome(
  client: HakubeClient,
  workflowId: string,
  json: boolean,
): Promise<number> {
  try {
    const result = await client.result<unknown>(workflowId);
    if (json) printJson({ workflowId, status: 'completed', result });
    else printLines([`${workflowId}: completed`]);
    return ExitCode.OK;
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const cause = err.cause;
    const type = cause instanceof ApplicationFailure ? cause.type : undefined;
    const message = cause?.message ?? err.message;
    if (json) printJson({ workflowId, status: 'failed', type, message });
    else printLines([`${workflowId}: failed${type ? ` (${type})` : ''}: ${message}`]);
    return type === 'ApprovalTimedOut' ? ExitCode.APPROVAL_TIMED_OUT : ExitCode.FAILED;
  }
}

/**
 * Who `--yes` approves as: the invoking user, who must be one of spec.approvals.approvers when the
 * spec lists them (the workflow checks again, and waits for a decision otherwise).
 */
export function approvedInAdvanceBy(cluster: Cluster, yes: boolean | undefined): string | undefined {
  if (!yes) return undefined;
  const me = whoAmI();
  const approvers = cluster.spec.approvals?.approvers;
  if (approvers && !approvers.includes(me))
    throw new InputError(
      `--yes: ${me} is not an approver of ${cluster.metadata.name} (spec.approvals.approvers: ${approvers.join(', ')})`,
    );
  return me;
}

export function whoAmI(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export function registerOperationCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command('selftest')
    .description('run the self-test workflow: proves server, worker and activities work end to end')
    .option('--cluster <name>', 'cluster name to tag it with', 'selftest')
    .option('--approval', 'wait for `hakube approve` before finishing')
    .option('--wait', 'follow it live (as `hakube watch`) until it ends')
    .option('--json', 'print JSON')
    .action(
      async (opts: { cluster: string; approval?: boolean; wait?: boolean; json?: boolean }, cmd: Command) => {
        await withClient(cmd, async (client) => {
          const started = await client.startSelfTest({
            cluster: opts.cluster,
            requireApproval: opts.approval,
          });
          if (opts.json && !opts.wait) printJson(started);
          else if (!opts.json)
            printLines([`${started.started ? 'started' : 'attached to'} ${started.workflowId}`]);
          if (opts.wait) setExit(await watchOperation(client, started.workflowId, { json: opts.json }));
        });
      },
    );

  program
    .command('status')
    .description('show the progress of an operation')
    .argument('<id>', 'workflow id, e.g. install-prod-eu1')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      await withClient(cmd, async (client) => {
        const p = await client.progress(id);
        const pending = p.status === 'running' ? (await client.execution(id)).pending : [];
        if (opts.json) printJson({ ...p, pending });
        else printLines([...progressLines(p), ...retryingLines(pending)]);
      });
    });

  const decide =
    (approve: boolean) =>
    async (
      id: string,
      opts: { by?: string; reason?: string; rollBack?: boolean; json?: boolean },
      cmd: Command,
    ) => {
      if (!approve && !opts.reason) throw new InputError('reject needs --reason');
      await withClient(cmd, async (client) => {
        let result;
        try {
          result = await client.decide(id, {
            approve,
            by: opts.by ?? whoAmI(),
            reason: opts.reason,
            ...(opts.rollBack ? { choice: 'roll-back' } : {}),
          });
        } catch (err) {
          if (err instanceof DecisionRefusedError) throw new InputError(err.message);
          // The server's "workflow execution already completed" does not say which workflow.
          if (err instanceof WorkflowNotFoundError)
            throw new InputError(err.message.includes(id) ? err.message : `${id}: ${err.message}`);
          throw err;
        }
        if (opts.json) printJson(result);
        else
          printLines([
            `${id}: ${result.outcome}${result.choice ? ` (${result.choice})` : ''} by ${result.by}${result.reason ? ` (${result.reason})` : ''}`,
          ]);
      });
    };
  program
    .command('approve')
    .description('approve the step an operation is waiting on')
    .argument('<id>', 'workflow id')
    .option('--by <name>', 'who approves (default: your user name)')
    .option('--reason <text>', 'why')
    .option('--json', 'print JSON')
    .action(decide(true));
  program
    .command('reject')
    .description('reject the step an operation is waiting on (nothing is changed)')
    .argument('<id>', 'workflow id')
    .requiredOption('--reason <text>', 'why')
    .option('--by <name>', 'who rejects (default: your user name)')
    .option(
      '--roll-back',
      'where the operation offers it (an upgrade after a failed gate): also undo what it did so far',
    )
    .option('--json', 'print JSON')
    .action(decide(false));

  program
    .command('ls')
    .description('list hakube operations')
    .option('--cluster <name>', 'only this cluster')
    .option('--operation <name>', 'only this operation')
    .option('--json', 'print JSON')
    .action(async (opts: { cluster?: string; operation?: string; json?: boolean }, cmd: Command) => {
      await withClient(cmd, async (client) => {
        const ops = await client.list({ cluster: opts.cluster, operation: opts.operation });
        if (opts.json) return printJson(ops);
        const rows = [['WORKFLOW ID', 'CLUSTER', 'OPERATION', 'STATUS', 'PHASE', 'STARTED']];
        for (const o of ops)
          rows.push([
            o.workflowId,
            o.cluster ?? '',
            o.operation ?? '',
            o.status,
            o.phase ?? '',
            o.startTime.toISOString(),
          ]);
        printLines(table(rows));
      });
    });

  program
    .command('history')
    .description('past operations of a cluster, newest first: outcome, when, how long')
    .argument('<cluster>', 'cluster name (metadata.name)')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action(async (cluster: string, opts: { limit: string; json?: boolean }, cmd: Command) => {
      if (!/^[1-9]\d*$/.test(opts.limit)) throw new InputError(`--limit must be a whole number >= 1`);
      await withClient(cmd, async (client) => {
        const ops = await client.list({ cluster, limit: 1000 });
        if (opts.json) return printJson(finishedOperations(ops, Number(opts.limit)));
        const rows = historyRows(ops, Number(opts.limit));
        // The server deletes closed workflows after the namespace's retention: say what that hides.
        const retentionMs = await namespaceRetentionMs(
          client.temporal.connection,
          client.temporal.options.namespace,
        );
        printLines([
          ...(rows.length > 1 ? table(rows) : [`no finished operations of ${cluster}`]),
          retentionNote(retentionMs),
        ]);
      });
    });
}
