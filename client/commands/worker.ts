// hakube worker: run the worker in the foreground (Ctrl-C / SIGTERM stop it gracefully).
import type { Command } from 'commander';
import { globalFlags } from '../connect';
import { InputError } from '../exit-codes';
import { TemporalConnectionConfigError } from '../temporal-connection';
import { WorkerSettingsError } from '../../workers/settings-error';

interface Flags {
  taskQueue?: string;
  dev?: boolean;
  metrics?: string;
  maxActivities?: string;
  skipReplayCheck?: boolean;
  replayCheckLimit?: string;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the hakube worker in the foreground (task queue "hakube")')
    .option('--task-queue <name>', 'task queue to poll')
    .option('--dev', 'bundle workflow code from source instead of the prebuilt bundle')
    .option('--metrics <address>', 'Prometheus endpoint IP:PORT or "off" (HAKUBE_METRICS_ADDRESS)')
    .option('--max-activities <n>', 'steps run at once (HAKUBE_MAX_ACTIVITIES; default 4 per core, 8+)')
    .option(
      '--skip-replay-check',
      'DANGEROUS: poll without first replaying the open executions (HAKUBE_SKIP_REPLAY_CHECK=1; docs/versioning.md)',
    )
    .option(
      '--replay-check-limit <n>',
      'open executions replayed at most before polling (HAKUBE_REPLAY_CHECK_LIMIT; default 200)',
    )
    .action(async (opts: Flags, cmd: Command) => {
      // Loaded on demand: the worker SDK is heavy and only this command needs it.
      const { runWorker, workerConfigFromEnv } = await import('../../workers/worker.js');
      const flags = globalFlags(cmd);
      let config: ReturnType<typeof workerConfigFromEnv>;
      try {
        config = workerConfigFromEnv(
          {
            ...process.env,
            ...(opts.dev ? { HAKUBE_DEV: '1' } : {}),
            // Flags win over the environment, and are checked by the same code.
            ...(opts.metrics ? { HAKUBE_METRICS_ADDRESS: opts.metrics } : {}),
            ...(opts.maxActivities ? { HAKUBE_MAX_ACTIVITIES: opts.maxActivities } : {}),
            ...(opts.skipReplayCheck ? { HAKUBE_SKIP_REPLAY_CHECK: '1' } : {}),
            ...(opts.replayCheckLimit ? { HAKUBE_REPLAY_CHECK_LIMIT: opts.replayCheckLimit } : {}),
          },
          flags.codecKeyFile,
        );
      } catch (err) {
        if (err instanceof TemporalConnectionConfigError || err instanceof WorkerSettingsError)
          throw new InputError(err.message);
        throw err;
      }
      await runWorker({
        ...config,
        connection: { ...config.connection, address: flags.address ?? config.connection.address },
        namespace: flags.namespace ?? config.namespace,
        taskQueue: opts.taskQueue ?? config.taskQueue,
      });
    });
}
