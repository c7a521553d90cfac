// Running build tools (go, apt-get, dpkg-deb, tar) with argument arrays, never a shell.
// Output lines go to the progress callback; the tail of stderr goes into the error.
import { spawn } from 'node:child_process';
import { BundleBuildError } from './errors';

export type ProgressFn = (line: string) => void;

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Receives each output line (stdout and stderr), prefixed by the caller's label. */
  onLine?: ProgressFn;
  /** Keep stdout and return it (for small outputs such as `go env`). */
  captureStdout?: boolean;
  component?: string;
  /**
   * For long commands: every `everyMs` (default 30 s) report `<label> still running (2m30s)`,
   * so a build that prints nothing for minutes is still visibly alive.
   */
  heartbeat?: { label: string; onProgress: ProgressFn; everyMs?: number };
}

const TAIL_LINES = 30;
export const HEARTBEAT_MS = 30_000;

/** 95000 -> "1m35s", 40000 -> "40s", 3723000 -> "1h02m03s". */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h) return `${h}h${pad(m)}m${pad(sec)}s`;
  if (m) return `${m}m${pad(sec)}s`;
  return `${sec}s`;
}

/** Runs `cmd args...`; resolves with stdout (when captured), rejects with BundleBuildError. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: 'pipe' });
    const started = Date.now();
    const hb = opts.heartbeat;
    const timer = hb
      ? setInterval(
          () => hb.onProgress(`${hb.label} still running (${formatElapsed(Date.now() - started)})`),
          hb.everyMs ?? HEARTBEAT_MS,
        )
      : undefined;
    timer?.unref();
    const out: Buffer[] = [];
    const tail: string[] = [];
    const lineSplitter = (keep: boolean) => {
      let partial = '';
      return (chunk: Buffer) => {
        if (keep && opts.captureStdout) out.push(chunk);
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (!keep) {
            tail.push(line);
            if (tail.length > TAIL_LINES) tail.shift();
          }
          if (line.trim()) opts.onLine?.(line);
        }
      };
    };
    child.stdout.on('data', lineSplitter(true));
    child.stderr.on('data', lineSplitter(false));
    child.on('error', (err) => {
      clearInterval(timer);
      reject(new BundleBuildError(`${cmd}: ${err.message}`, opts.component));
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      const why = signal ? `killed by ${signal}` : `exit code ${code}`;
      reject(
        new BundleBuildError(
          `${cmd} ${args.slice(0, 3).join(' ')}... failed (${why})\n${tail.join('\n')}`,
          opts.component,
        ),
      );
    });
  });
}
