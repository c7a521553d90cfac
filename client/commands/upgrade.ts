// hakube upgrade -f cluster.yaml --to VERSION [--bundle DIR] [--wave N] [--approve-waves]
//   [--window SPEC] [--health-timeout D] [--drain-timeout D] [--decision-timeout D]
//   [--skip-phases a,b] [--only a,b] [--dry-run] [--yes] [--wait] [--json]
// The rolling version upgrade (docs/upgrade.md).
import { realpathSync } from 'node:fs';
import type { Command } from 'commander';
import { latestBundleLink } from '../../activities/bundle/build';
import { DEFAULT_ARCH } from '../../cluster/bundle';
import { planPhases } from '../../cluster/plan/phases';
import { DEFAULT_WAVE_SIZE, UPGRADE_PHASES, upgradePlan } from '../../cluster/plan/upgrade';
import { describeWindow, parseWindow } from '../../cluster/upgrade/window';
import { withClient } from '../connect';
import { InputError } from '../exit-codes';
import { hakubeCache } from '../paths';
import { loadClusterOrThrow } from '../spec-file';
import { followApproval, withApprovalFlags } from './approval-plan';
import { phaseList } from './phase-flags';
import { durationFlag } from './duration-flag';
import { DRY_RUN_STAMP, printDryRun } from './dry-run';
import { approvedInAdvanceBy } from './operations';

interface UpgradeFlags {
  file: string;
  to: string;
  bundle?: string;
  wave: string;
  approveWaves?: boolean;
  window?: string;
  healthTimeout: string;
  drainTimeout?: string;
  decisionTimeout: string;
  skipPhases?: string;
  only?: string;
  dryRun?: boolean;
  yes?: boolean;
  approvalTimeout: string;
  wait?: boolean;
  json?: boolean;
}

const PHASE_NAMES = UPGRADE_PHASES.map((p) => p.name);

function waveSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InputError(`--wave: expected a positive whole number, got "${value}"`);
  return n;
}

/** The target bundle: --bundle, else the newest one built for the version here (`hakube bundle build --kubernetes VERSION`). */
function targetBundle(to: string, bundle: string | undefined): string {
  const dir = bundle ?? latestBundleLink(hakubeCache(), to, DEFAULT_ARCH);
  try {
    // The history names the exact bundle: the versioned link moves on when a bundle is rebuilt.
    return realpathSync(dir);
  } catch {
    throw new InputError(
      `${dir} does not exist: build the target's bundle first (hakube bundle build --kubernetes ${to}) or name one with --bundle`,
    );
  }
}

export function registerUpgradeCommand(program: Command, setExit: (code: number) => void): void {
  withApprovalFlags(program.command('upgrade'))
    .description(
      'upgrade Kubernetes: preflight (skew, bundle, health), a verified etcd snapshot, control-plane hosts one at a time, workers in drained waves; a failed gate rolls the host back and waits for a decision',
    )
    .requiredOption('-f, --file <file>', 'cluster spec (YAML) of the cluster as installed')
    .requiredOption('--to <version>', 'the Kubernetes version to reach, e.g. v1.37.2 (one minor at a time)')
    .option('--bundle <dir>', "the target's offline bundle (default: the newest built here for --to)")
    .option('--wave <n>', 'workers upgraded at once', String(DEFAULT_WAVE_SIZE))
    .option('--approve-waves', 'each worker wave waits for `hakube approve`')
    .option(
      '--window <spec>',
      'worker waves start only inside this window: "HH:MM-HH:MM" or "Sat,Sun HH:MM-HH:MM" (UTC)',
    )
    .option(
      '--health-timeout <duration>',
      "how long each host's gates may take before it is rolled back",
      '5m',
    )
    .option(
      '--drain-timeout <duration>',
      'how long a drain may wait on PodDisruptionBudgets (default: as long as it takes)',
    )
    .option(
      '--decision-timeout <duration>',
      'how long a failed gate waits for a decision before the upgrade stops',
      '7d',
    )
    .option('--skip-phases <names>', `comma-separated phases to skip (${PHASE_NAMES.join(', ')})`)
    .option('--only <names>', 'comma-separated phases to run, all others skipped')
    .action(async (flags: UpgradeFlags, cmd: Command) => {
      if (!/^v\d+\.\d+\.\d+$/.test(flags.to))
        throw new InputError(`--to: expected a release version like v1.37.2, got "${flags.to}"`);
      const { cluster } = loadClusterOrThrow(flags.file);
      let window: string | undefined;
      try {
        window = flags.window === undefined ? undefined : describeWindow(parseWindow(flags.window));
      } catch (err) {
        throw new InputError(`--window: ${(err as Error).message}`);
      }
      const options = {
        skipPhases: phaseList(UPGRADE_PHASES, flags.skipPhases, '--skip-phases'),
        onlyPhases: phaseList(UPGRADE_PHASES, flags.only, '--only'),
      };
      const plan = {
        cluster,
        to: flags.to,
        waveSize: waveSize(flags.wave),
        approveWaves: flags.approveWaves,
        window: flags.window,
      };
      const approvalTimeoutMs = durationFlag(flags.approvalTimeout, '--approval-timeout');
      const healthTimeoutMs = durationFlag(flags.healthTimeout, '--health-timeout');
      const decisionTimeoutMs = durationFlag(flags.decisionTimeout, '--decision-timeout');
      const drainTimeoutMs = flags.drainTimeout
        ? durationFlag(flags.drainTimeout, '--drain-timeout')
        : undefined;
      if (flags.dryRun)
        return printDryRun(
          {
            what: `upgrade of ${cluster.metadata.name} to ${flags.to}`,
            plan: planPhases(UPGRADE_PHASES, plan, options),
            approval: upgradePlan({ ...plan, stamp: DRY_RUN_STAMP, window }),
            notes: [
              'hosts already at the target are left out by the run (preflight reads every host); the dry run lists every host',
            ],
          },
          flags.json,
        );
      const bundleDir = targetBundle(flags.to, flags.bundle);
      // Refused before connecting: --yes from someone who may not approve.
      const approvedBy = approvedInAdvanceBy(cluster, flags.yes);
      await withClient(cmd, async (client) => {
        const started = await client.startUpgrade({
          cluster,
          to: flags.to,
          bundleDir,
          waveSize: plan.waveSize,
          approveWaves: flags.approveWaves,
          window: flags.window,
          approvedBy,
          approvalTimeoutMs,
          healthTimeoutMs,
          drainTimeoutMs,
          decisionTimeoutMs,
          ...options,
        });
        await followApproval(client, started, flags, 'upgrade', setExit);
      });
    });
}
