// hakube reset -f cluster.yaml [--node NAME]... [--yes] [--wait]: take hakube off the hosts
// behind an approval (services stopped, units removed, configs and data moved aside).
import type { Command } from 'commander';
import { planPhases } from '../../cluster/plan/phases';
import { RESET_PHASES, resetHosts, resetPlanLines, unknownHosts } from '../../cluster/plan/reset';
import { withClient } from '../connect';
import { InputError } from '../exit-codes';
import { loadClusterOrThrow } from '../spec-file';
import { followApproval, withApprovalFlags } from './approval-plan';
import { durationFlag } from './duration-flag';
import { DRY_RUN_STAMP, printDryRun } from './dry-run';
import { approvedInAdvanceBy } from './operations';
import { repeatable } from './flags';

interface ResetFlags {
  file: string;
  node: string[];
  dryRun?: boolean;
  yes?: boolean;
  wait?: boolean;
  json?: boolean;
  approvalTimeout: string;
}

export function registerResetCommand(program: Command, setExit: (code: number) => void): void {
  withApprovalFlags(program.command('reset'))
    .description(
      'stop everything hakube installed on the hosts, remove its units, move configs and data aside (after approval)',
    )
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .option('--node <name>', 'reset only this host (repeatable); default: every host', repeatable, [])
    .action(async (flags: ResetFlags, cmd: Command) => {
      const { cluster } = loadClusterOrThrow(flags.file);
      const approvalTimeoutMs = durationFlag(flags.approvalTimeout, '--approval-timeout');
      const unknown = unknownHosts(cluster, flags.node);
      if (unknown.length)
        throw new InputError(
          `--node: no host ${unknown.join(', ')} in ${flags.file}; hosts are ${cluster.spec.hosts.map((h) => h.name).join(', ')}`,
        );
      const nodes = [...new Set(flags.node)];
      if (flags.dryRun)
        return printDryRun(
          {
            what: `reset of ${cluster.metadata.name}`,
            plan: planPhases(RESET_PHASES, {}),
            approval: resetPlanLines(cluster, resetHosts(cluster, nodes), DRY_RUN_STAMP),
            notes: ['the plan to approve also says which units run and which paths exist on each host'],
          },
          flags.json,
        );
      // Refused before connecting: --yes from someone who may not approve.
      const approvedBy = approvedInAdvanceBy(cluster, flags.yes);
      await withClient(cmd, async (client) => {
        const started = await client.startReset({
          cluster,
          nodes: nodes.length ? nodes : undefined,
          approvedBy,
          approvalTimeoutMs,
        });
        await followApproval(client, started, flags, `reset of ${cluster.metadata.name}`, setExit);
      });
    });
}
