// Runs e2e.test: its whole output goes to a log file; the caller hears, every 30 s, how long it
// has run and how many tests finished (Ginkgo prints one "•" per finished test), and each failure
// as Ginkgo reports it. Resolves with the exit code: e2e.test exits 1 when a test fails, which
// is a result, not an error here.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { formatElapsed, HEARTBEAT_MS, type ProgressFn } from '../bundle/exec';

export interface E2EProcessOptions {
  binary: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  logFile: string;
  onProgress?: ProgressFn;
  everyMs?: number;
}

export function runE2E(opts: E2EProcessOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(opts.logFile, { mode: 0o600 });
    const child = spawn(opts.binary, opts.args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const started = Date.now();
    let finished = 0;
    let failed = 0;
    const timer = setInterval(
      () =>
        opts.onProgress?.(
          `e2e.test running (${formatElapsed(Date.now() - started)}): ${finished} tests finished, ${failed} failed so far`,
        ),
      opts.everyMs ?? HEARTBEAT_MS,
    );
    timer.unref();
    let partial = '';
    // "•" is three bytes and may be split between chunks; it is printed without a newline.
    const decoder = new StringDecoder('utf8');
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      const text = decoder.write(chunk);
      finished += (text.match(/•/g) ?? []).length;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (/^\s*\[FAIL\]|^• \[FAILED\]|^• \[TIMEDOUT\]|^• \[PANICKED\]/.test(line)) {
          failed++;
          opts.onProgress?.(`e2e.test: ${line.trim().slice(0, 300)}`);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => log.write(chunk));
    child.on('error', (err) => {
      clearInterval(timer);
      log.end();
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      log.end(() => resolve(code ?? (signal ? 128 : 1)));
    });
  });
}
