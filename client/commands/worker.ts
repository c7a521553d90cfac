// hakube worker: run the worker in the foreground (Ctrl-C / SIGTERM stop it gracefully).
import type { Command } from 'commander';
import { globalFlags } from '../connect';
import { InputError } from '../exit-codes';
import { TemporalConnectionConfigError } from '../temporal-connection';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the hakube worker in the foreground (task queue "hakube")')
    .option('--task-queue <name>', 'task queue to poll')
    .option('--dev', 'bundle workflow code from source instead of the prebuilt bundle')
    .action(async (opts: { taskQueue?: string; dev?: boolean }, cmd: Command) => {
      // Loaded on demand: the worker SDK is heavy and only this command needs it.
      const { runWorker, workerConfigFromEnv } = await import('../../workers/worker.js');
      const flags = globalFlags(cmd);
      let config: ReturnType<typeof workerConfigFromEnv>;
      try {
        config = workerConfigFromEnv(
          { ...process.env, ...(opts.dev ? { HAKUBE_DEV: '1' } : {}) },
          flags.codecKeyFile,
        );
      } catch (err) {
        if (err instanceof TemporalConnectionConfigError) throw new InputError(err.message);
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
