// hakube namespace setup [--retention 30d]: the one command that needs admin rights on Temporal.
// It prepares the namespace (--namespace / $TEMPORAL_NAMESPACE) for hakube's workers, which only
// check the result at start (client/namespace/readiness.ts).
import type { Command } from 'commander';
import { withClient } from '../connect';
import { InputError } from '../exit-codes';
import { printJson, printLines } from '../output';
import { DEFAULT_RETENTION_DAYS, parseRetention, RetentionError } from '../namespace/retention';
import { setupNamespace, setupReportLines } from '../namespace/setup';

function retentionFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseRetention(value);
  } catch (err) {
    if (err instanceof RetentionError) throw new InputError(err.message);
    throw err;
  }
}

export function registerNamespaceCommands(program: Command): void {
  const namespace = program
    .command('namespace')
    .description('prepare the Temporal namespace hakube runs in (needs Temporal admin rights)');
  namespace
    .command('setup')
    .description(
      `create the namespace if missing, set its retention, register hakube's search attributes (idempotent)`,
    )
    .option(
      '--retention <duration>',
      `how long closed operations are kept, at least 1d (default ${DEFAULT_RETENTION_DAYS}d, and a longer one already set is kept)`,
    )
    .option('--json', 'print the result as JSON')
    .action(async (flags: { retention?: string; json?: boolean }, cmd: Command) => {
      // Refused before connecting: a typo must not reach the server.
      const retentionMs = retentionFlag(flags.retention);
      await withClient(cmd, async (client) => {
        const report = await setupNamespace(client.temporal.connection, {
          namespace: client.temporal.options.namespace,
          ...(retentionMs === undefined ? {} : { retentionMs }),
        });
        if (flags.json) printJson(report);
        else printLines(setupReportLines(report));
      });
    });
}
