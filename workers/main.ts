// Entrypoint for `node dist/workers/main.js` (the container image's command). `hakube worker` does the same.
import { runWorker, workerConfigFromEnv } from './worker';

runWorker(workerConfigFromEnv()).catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'worker failed', error: String(err) })}\n`);
  process.exit(1);
});
