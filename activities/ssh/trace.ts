// Opt-in instrumentation of the SSH layer for the benchmarks (bench/proof/measure, bench/baseline).
// Off unless the worker's environment asks for it; it never changes what is sent to a host.
//   HAKUBE_SSH_TRACE=<file>: one JSON line per remote exec / upload / download: host, kind, start
//     and end (ms since the epoch), bytes, exit code, and the command's first 120 characters with
//     anything secret-looking redacted. Never stdin, environment values or file contents.
//   HAKUBE_SSH_RECORD=<dir>: what a plain ssh script needs to redo the same remote work: the full
//     commands, their stdin and the uploaded bytes. Those include keys and tokens, so it only
//     writes into a folder that already exists with mode 0700 (the caller creates and deletes it).
import { appendFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SshTarget } from './types';

export type TracedKind = 'exec' | 'upload' | 'download';

export interface TraceLine {
  host: string;
  kind: TracedKind;
  start: number;
  end: number;
  bytes?: number;
  exitCode?: number;
  /** The failure type when the operation threw (a dropped connection, a timeout). */
  error?: string;
  /** exec: the command; transfers: the remote path. First 120 characters, redacted. */
  command?: string;
}

/** One line of the recording folder's ops.jsonl. */
export interface RecordedOp {
  /** Order of starting: a replay in this order respects every dependency the run had. */
  seq: number;
  host: string;
  address: string;
  port: number;
  user: string;
  kind: TracedKind;
  start: number;
  end: number;
  exitCode?: number;
  error?: string;
  /** exec: the shell command as sshd ran it (environment and sudo included, no pid marker). */
  command?: string;
  /** exec: file (in the folder) holding its stdin. */
  stdinFile?: string;
  remotePath?: string;
  /** upload: file (in the folder) holding the bytes sent, or the local file that was sent. */
  contentFile?: string;
  localPath?: string;
}

const SECRET_LOOKING: [RegExp, string][] = [
  [/-----BEGIN[^-]*-----[\s\S]*?(-----END[^-]*-----|$)/g, '<pem>'],
  [/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g, '<token>'],
  [/\b(token|password|passwd|secret)([=: ]+)\S+/gi, '$1$2<redacted>'],
  // Long base64 or hex runs (key bytes, embedded credentials); paths start with / and stay.
  [/(?<![/\w])[A-Za-z0-9+/]{40,}={0,2}/g, '<redacted>'],
];

/** What the trace keeps of a command: secret-looking parts replaced, then cut to 120 characters. */
export function redactCommand(command: string): string {
  let out = command;
  for (const [pattern, replacement] of SECRET_LOOKING) out = out.replace(pattern, replacement);
  return out.length > 120 ? `${out.slice(0, 119)}…` : out;
}

function recordDir(): string | undefined {
  const dir = process.env.HAKUBE_SSH_RECORD;
  if (!dir) return undefined;
  const st = statSync(dir, { throwIfNoEntry: false });
  // Refuse a folder others could read: the recording holds private keys.
  if (!st?.isDirectory() || (st.mode & 0o077) !== 0)
    throw new Error(`HAKUBE_SSH_RECORD=${dir} must be an existing folder with mode 0700`);
  return dir;
}

let seq = 0;

export interface TracedOperation {
  end(result: { exitCode?: number; bytes?: number }): void;
  fail(err: unknown): void;
}

const NOTHING: TracedOperation = { end: () => {}, fail: () => {} };

/**
 * Starts tracing one remote operation (a no-op unless HAKUBE_SSH_TRACE or HAKUBE_SSH_RECORD is
 * set). `fullCommand` is what sshd runs; `command` the caller's command (without environment).
 */
export function traceOperation(
  target: SshTarget,
  kind: TracedKind,
  what: {
    command?: string;
    fullCommand?: string;
    stdin?: string | Buffer;
    remotePath?: string;
    content?: Buffer | { localPath: string };
  },
): TracedOperation {
  const traceFile = process.env.HAKUBE_SSH_TRACE;
  const dir = recordDir();
  if (!traceFile && !dir) return NOTHING;
  const start = Date.now();
  const n = ++seq;
  const files: Pick<RecordedOp, 'stdinFile' | 'contentFile' | 'localPath'> = {};
  if (dir && what.stdin !== undefined) {
    files.stdinFile = `${n}.stdin`;
    writeFileSync(join(dir, files.stdinFile), what.stdin, { mode: 0o600 });
  }
  if (dir && what.content !== undefined) {
    if (Buffer.isBuffer(what.content)) {
      files.contentFile = `${n}.content`;
      writeFileSync(join(dir, files.contentFile), what.content, { mode: 0o600 });
    } else files.localPath = what.content.localPath;
  }
  const uploadBytes = (): number | undefined => {
    if (what.content === undefined) return undefined;
    return Buffer.isBuffer(what.content) ? what.content.length : statSync(what.content.localPath).size;
  };
  const finish = (r: { exitCode?: number; bytes?: number; error?: string }) => {
    const end = Date.now();
    const bytes = r.bytes ?? uploadBytes();
    if (traceFile) {
      const line: TraceLine = {
        host: target.name,
        kind,
        start,
        end,
        ...(bytes !== undefined ? { bytes } : {}),
        ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
        ...(r.error ? { error: r.error } : {}),
        command: redactCommand(what.command ?? what.remotePath ?? ''),
      };
      appendFileSync(traceFile, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    }
    if (dir) {
      const op: RecordedOp = {
        seq: n,
        host: target.name,
        address: target.address,
        port: target.port,
        user: target.user,
        kind,
        start,
        end,
        ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
        ...(r.error ? { error: r.error } : {}),
        ...(what.fullCommand !== undefined ? { command: what.fullCommand } : {}),
        ...(what.remotePath !== undefined ? { remotePath: what.remotePath } : {}),
        ...files,
      };
      appendFileSync(join(dir, 'ops.jsonl'), `${JSON.stringify(op)}\n`, { mode: 0o600 });
    }
  };
  return {
    end: (r) => finish(r),
    fail: (err) => finish({ error: (err as Error).name || 'Error' }),
  };
}

/** Runs one remote operation, traced (see traceOperation); `result` says what to note of its outcome. */
export async function traced<T>(
  target: SshTarget,
  kind: TracedKind,
  what: Parameters<typeof traceOperation>[2],
  run: () => Promise<T>,
  result: (value: T) => { exitCode?: number; bytes?: number } = () => ({}),
): Promise<T> {
  const op = traceOperation(target, kind, what);
  try {
    const value = await run();
    op.end(result(value));
    return value;
  } catch (err) {
    op.fail(err);
    throw err;
  }
}
