// `hakube worker` as a real process (what users run), for tests that kill it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { REPO_ROOT } from './temp-home';
import { eventually } from './temporal';

/** The log message of a worker that polls its task queue. */
export const WORKER_STARTED = 'hakube worker started';

export interface WorkerProcess {
  child: ChildProcessWithoutNullStreams;
  /** Everything it printed so far (JSON log lines). */
  logs(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

export function startWorkerProcess(
  address: string,
  taskQueue: string,
  env: NodeJS.ProcessEnv = {},
): WorkerProcess {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'hakube.js'), 'worker', '--task-queue', taskQueue],
    {
      env: { ...process.env, TEMPORAL_ADDRESS: address, ...env },
    },
  );
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, logs: () => output, exited };
}

/** Starts a worker process and waits until it polls its task queue. */
export async function startedWorkerProcess(
  address: string,
  taskQueue: string,
  env: NodeJS.ProcessEnv = {},
): Promise<WorkerProcess> {
  const w = startWorkerProcess(address, taskQueue, env);
  try {
    await eventually(async () => w.logs().includes(WORKER_STARTED) || undefined, 60_000, 'worker start');
  } catch (err) {
    await killWorker(w);
    throw new Error(`${(err as Error).message}; it printed:\n${w.logs()}`, { cause: err });
  }
  return w;
}

/** kill -9: no shutdown, no goodbye; in-flight activities are simply lost. */
export async function killWorker(w: WorkerProcess): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  w.child.kill('SIGKILL');
  await once(w.child, 'exit').catch(() => undefined);
}
