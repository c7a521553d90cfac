// `node dist/workers/health-check.js`: the compose health check of the worker. Exits 0 when the
// file named by HAKUBE_HEALTH_FILE was renewed recently (workers/health-file.ts), 1 otherwise.
import { statSync } from 'node:fs';
import { healthVerdict } from './health-file';

const path = process.env.HAKUBE_HEALTH_FILE;
if (!path) {
  process.stderr.write('HAKUBE_HEALTH_FILE is not set: the worker writes no health file\n');
  process.exit(1);
}
let mtimeMs: number | undefined;
try {
  mtimeMs = statSync(path).mtimeMs;
} catch {
  mtimeMs = undefined;
}
const verdict = healthVerdict(mtimeMs, Date.now());
(verdict.healthy ? process.stdout : process.stderr).write(`${verdict.reason}\n`);
process.exit(verdict.healthy ? 0 : 1);
