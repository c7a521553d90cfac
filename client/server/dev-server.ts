// `hakube server start|stop|status`: the Temporal dev server in the background with a
// persistent SQLite file, its namespace set up as `hakube namespace setup` does (hakube's search
// attributes, 30 days' retention), idempotent start.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_TYPES } from '../../cluster/search-attributes';
import { hakubeHome } from '../paths';
import { maskedEndpoint } from '../codec/codec-token';
import { ensureTemporalBinary } from './temporal-binary';
import { setupNamespace } from '../namespace/setup';

export interface DevServerOptions {
  home?: string;
  dbFile?: string;
  ip?: string;
  port?: number;
  uiPort?: number;
  namespace?: string;
  /**
   * Passed as --ui-codec-endpoint: the Web UI decodes payloads there (`hakube codec-server`). It
   * may carry the codec token in its path, so it is visible in this host's process list.
   */
  codecEndpoint?: string;
  log?: (line: string) => void;
}

export interface DevServerState {
  pid: number;
  ip: string;
  port: number;
  uiPort: number;
  dbFile: string;
  logFile: string;
  /** Size of the (appended) log when this server started: earlier runs' lines are not its. */
  logOffset?: number;
  /** The Web UI's codec endpoint, when it was started with one. */
  codecEndpoint?: string;
  startedAt: string;
}

export interface DevServerStatus {
  running: boolean;
  state?: DevServerState;
  address?: string;
  uiUrl?: string;
}

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is already in use by another program; stop it or pass another --port / --ui-port`);
    this.name = 'PortInUse';
  }
}

function resolved(opts: DevServerOptions) {
  const home = opts.home ?? hakubeHome();
  return {
    home,
    stateFile: join(home, 'temporal-server.json'),
    logFile: join(home, 'temporal-server.log'),
    dbFile: opts.dbFile ?? join(home, 'temporal.db'),
    ip: opts.ip ?? '127.0.0.1',
    port: opts.port ?? 7233,
    uiPort: opts.uiPort ?? (opts.port ?? 7233) + 1000,
    namespace: opts.namespace ?? 'default',
    codecEndpoint: opts.codecEndpoint,
    log: opts.log ?? (() => {}),
  };
}

function readState(stateFile: string): DevServerState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as DevServerState;
  } catch {
    return undefined;
  }
}

/** True when pid is alive and is a Temporal dev server (a recycled pid is not ours). */
function isOurServer(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('start-dev');
  } catch {
    return false;
  }
}

export function portAnswers(ip: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Why a server that died while starting died, from its log: a port taken between our check and
 * its bind (a race no check closes) is a PortInUseError; otherwise the panic or error lines,
 * else the log's tail.
 */
export function startFailure(log: string): Error {
  const taken = /listen tcp [^\s]+:(\d+): bind: address already in use/.exec(log);
  if (taken) return new PortInUseError(Number(taken[1]));
  const lines = log.split('\n').filter((l) => l.trim() !== '');
  const cause = lines.findIndex((l) => /^(panic|fatal error):|"level":"(error|fatal)"|^Error:/i.test(l));
  const excerpt = cause >= 0 ? lines.slice(cause, cause + 4) : lines.slice(-15);
  return new Error(`the Temporal dev server exited during start:\n${excerpt.join('\n')}`);
}

async function waitUntilServing(state: DevServerState, namespace: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isOurServer(state.pid)) {
      const log = existsSync(state.logFile)
        ? readFileSync(state.logFile)
            .subarray(state.logOffset ?? 0)
            .toString('utf8')
        : '';
      throw startFailure(log);
    }
    try {
      const connection = await Connection.connect({
        address: `${state.ip}:${state.port}`,
        connectTimeout: 2000,
      });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        if (await portAnswers(state.ip, state.uiPort)) return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the Temporal dev server did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

/**
 * What an administrator does once for a real server: the dev server is the user's own, so
 * starting it does it too (its default namespace starts with 1 day's retention).
 */
async function setUpNamespace(ip: string, port: number, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address: `${ip}:${port}` });
  try {
    await setupNamespace(connection, { namespace });
  } finally {
    await connection.close();
  }
}

export async function startDevServer(
  opts: DevServerOptions = {},
): Promise<DevServerStatus & { alreadyRunning: boolean }> {
  const o = resolved(opts);
  const existing = readState(o.stateFile);
  if (existing && isOurServer(existing.pid)) {
    await waitUntilServing(existing, o.namespace, 30_000);
    await setUpNamespace(existing.ip, existing.port, o.namespace);
    return { ...statusOf(existing), alreadyRunning: true };
  }
  for (const port of [o.port, o.uiPort]) {
    if (await portAnswers(o.ip, port)) throw new PortInUseError(port);
  }
  const binary = ensureTemporalBinary(o.log);
  mkdirSync(o.home, { recursive: true });
  mkdirSync(dirname(o.dbFile), { recursive: true });
  const args = ['server', 'start-dev', '--db-filename', o.dbFile, '--ip', o.ip, '--port', String(o.port)];
  args.push('--ui-port', String(o.uiPort), '--log-format', 'json', '--log-level', 'warn');
  // Registered at boot as well as by the setup below: known from the server's first answer on.
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES))
    args.push('--search-attribute', `${name}=${type}`);
  if (o.codecEndpoint) args.push('--ui-codec-endpoint', o.codecEndpoint);
  const logFd = openSync(o.logFile, 'a');
  const logOffset = fstatSync(logFd).size;
  // Detached in its own session so it outlives this CLI process; its output goes to the log file.
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${binary}`);
  const state: DevServerState = {
    pid: child.pid,
    ip: o.ip,
    port: o.port,
    uiPort: o.uiPort,
    dbFile: o.dbFile,
    logFile: o.logFile,
    logOffset,
    // Masked: the endpoint may carry the codec server's token, which stays in its own file.
    ...(o.codecEndpoint ? { codecEndpoint: maskedEndpoint(o.codecEndpoint) } : {}),
    startedAt: new Date().toISOString(),
  };
  writeFileSync(o.stateFile, `${JSON.stringify(state, null, 2)}\n`);
  o.log(`started Temporal dev server (pid ${child.pid}), database ${o.dbFile}`);
  await waitUntilServing(state, o.namespace, 90_000);
  await setUpNamespace(o.ip, o.port, o.namespace);
  return { ...statusOf(state), alreadyRunning: false };
}

function statusOf(state: DevServerState): DevServerStatus {
  return {
    running: true,
    state,
    address: `${state.ip}:${state.port}`,
    uiUrl: `http://${state.ip}:${state.uiPort}`,
  };
}

export function devServerStatus(opts: DevServerOptions = {}): DevServerStatus {
  const o = resolved(opts);
  const state = readState(o.stateFile);
  if (!state || !isOurServer(state.pid)) return { running: false, state };
  return statusOf(state);
}

export async function stopDevServer(opts: DevServerOptions = {}): Promise<{ wasRunning: boolean }> {
  const o = resolved(opts);
  const state = readState(o.stateFile);
  if (!state || !isOurServer(state.pid)) {
    rmSync(o.stateFile, { force: true });
    return { wasRunning: false };
  }
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && isOurServer(state.pid)) await new Promise((r) => setTimeout(r, 200));
  if (isOurServer(state.pid)) process.kill(state.pid, 'SIGKILL');
  rmSync(o.stateFile, { force: true });
  return { wasRunning: true };
}
