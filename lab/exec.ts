// Running host commands for the lab: argument arrays only (no shell), errors that say which
// command failed and what it printed.
import { spawn } from 'node:child_process';

export class LabCommandError extends Error {
  constructor(
    readonly command: string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(
      `${command.join(' ')} failed (exit ${exitCode}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`,
    );
    this.name = 'LabCommandError';
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; never throws on a non-zero exit (see `run`). */
export function tryRun(
  cmd: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: err.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, stdout, stderr: signal ? `${stderr}killed by ${signal}` : stderr });
    });
    if (child.stdin) {
      child.stdin.on('error', () => {}); // a command that exits without reading its input is not an error here
      child.stdin.end(opts.input);
    }
  });
}

export async function run(
  cmd: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  const r = await tryRun(cmd, args, opts);
  if (r.code !== 0) throw new LabCommandError([cmd, ...args], r.code, r.stderr || r.stdout);
  return r.stdout;
}

/** Runs a long command, streaming its output lines to `onLine`. */
export function runStreaming(cmd: string, args: string[], onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const feed = (d: Buffer) => {
      const text = d.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) onLine(line.trim());
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new LabCommandError([cmd, ...args], code, tail)),
    );
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
