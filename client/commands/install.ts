// hakube install -f cluster.yaml [--dry-run] [--skip-phases a,b] [--only a,b] [--wait]
import type { Command } from 'commander';
import { INSTALL_PHASES, installPlan } from '../../cluster/plan/install';
import { formatPlan } from '../../cluster/plan/phases';
import { withClient } from '../connect';
import { printJson, printLines } from '../output';
import { loadClusterOrThrow } from '../spec-file';
import { withResolvedBundleDir } from '../bundle-dir';
import { formatProblem } from '../../cluster/problems';
import { watchOperation } from './watch';
import { phaseList } from './phase-flags';

const PHASE_NAMES: readonly string[] = INSTALL_PHASES.map((p) => p.name);

interface InstallFlags {
  file: string;
  dryRun?: boolean;
  skipPhases?: string;
  only?: string;
  wait?: boolean;
  json?: boolean;
}

export function registerInstallCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('install')
    .description('install the cluster described by a spec (durable: resumes where it stopped)')
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .option('--dry-run', 'print the plan (phases, steps, hosts) and change nothing')
    .option('--skip-phases <names>', `comma-separated phases to skip (${PHASE_NAMES.join(', ')})`)
    .option('--only <names>', 'comma-separated phases to run, all others skipped')
    .option('--wait', 'follow the install live (as `hakube watch`) until it finishes')
    .option('--json', 'print JSON')
    .action(async (flags: InstallFlags, cmd: Command) => {
      const { cluster, problems } = loadClusterOrThrow(flags.file);
      for (const p of problems) process.stderr.write(`${formatProblem(p)}\n`);
      const options = {
        skipPhases: phaseList(INSTALL_PHASES, flags.skipPhases, '--skip-phases'),
        onlyPhases: phaseList(INSTALL_PHASES, flags.only, '--only'),
      };
      if (flags.dryRun) {
        const plan = installPlan(cluster, options);
        if (flags.json) printJson(plan);
        else
          printLines([
            `install of ${cluster.metadata.name} (dry run: nothing is changed)`,
            ...formatPlan(plan),
          ]);
        return;
      }
      await withClient(cmd, async (client) => {
        const needsBundle = installPlan(cluster, options).some((p) => p.name === 'artifacts' && !p.skipped);
        const started = await client.startInstall({
          cluster: withResolvedBundleDir(cluster, needsBundle),
          ...options,
        });
        if (!flags.json || !flags.wait) {
          if (flags.json) printJson(started);
          else
            printLines([
              `${started.started ? 'started' : 'attached to running'} ${started.workflowId}`,
              `  follow: hakube status ${started.workflowId}`,
            ]);
        }
        if (flags.wait) setExit(await watchOperation(client, started.workflowId, { json: flags.json }));
      });
    });
}
