// Real Temporal for workflow tests: a dev server started through the project's own
// provisioning (client/server/dev-server.ts) on free ports, and the real worker code.
import type { TemporalConnection } from '../../client/temporal-connection';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createWorker, DEFAULT_BUNDLE_PATH } from '../../workers/worker';
import {
  PortInUseError,
  startDevServer,
  stopDevServer,
  type DevServerStatus,
} from '../../client/server/dev-server';
import { HakubeClient } from '../../client/hakube-client';
import { createJsonLogger } from '../../workers/logger';
import { ensureTemporalBinary } from '../../client/server/temporal-binary';
import { freePort } from './ports';
import type { KeyRing } from '../../client/codec/keys';

export interface TestServer {
  home: string;
  address: string;
  status: DevServerStatus;
  stop(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const home = mkdtempSync(join(tmpdir(), 'hakube-temporal-'));
  const status = await startOnFreePorts(home);
  return {
    home,
    address: status.address as string,
    status,
    async stop() {
      await stopDevServer({ home });
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Another program may still take a port between our pick and the server's bind: pick again. */
async function startOnFreePorts(home: string): Promise<DevServerStatus> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServer({ home, port: await freePort(), uiPort: await freePort() });
    } catch (err) {
      if (!(err instanceof PortInUseError) || attempt === 3) throw err;
    }
  }
}

let runtimeReady = false;

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

/**
 * Starts the real hakube worker (prebuilt workflow bundle) on a task queue of its own; with
 * `codecKeys` it encrypts payloads (and then needs a client with the same keys).
 */
export async function startTestWorker(
  address: string | TemporalConnection,
  taskQueue: string,
  codecKeys?: KeyRing,
): Promise<RunningWorker> {
  const server: TemporalConnection = typeof address === 'string' ? { address, tls: false } : address;
  if (!runtimeReady) {
    Runtime.install({ logger: createJsonLogger('WARN') });
    runtimeReady = true;
  }
  const connection = await NativeConnection.connect(server);
  const worker = await createWorker(
    {
      connection: server,
      namespace: 'default',
      taskQueue,
      workflowBundlePath: DEFAULT_BUNDLE_PATH,
      codec: { ring: codecKeys, warnings: [] },
    },
    connection,
  );
  const running = worker.run();
  return {
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** A client that encrypts with `codecKeys`, or not at all (never from the environment: tests pick). */
export function connectClient(
  address: string,
  taskQueue: string,
  codecKeys?: KeyRing,
): Promise<HakubeClient> {
  return HakubeClient.connect({ address, taskQueue, codecKeys: codecKeys ?? null });
}

export interface WorkflowTestEnv {
  server: TestServer;
  worker: RunningWorker;
  client: HakubeClient;
  /** Client, worker, then server; safe after a partial start. */
  stop(): Promise<void>;
}

/** What a workflow test needs: a dev server, the real worker on its own task queue, a client. */
export async function startWorkflowTestEnv(taskQueue: string): Promise<WorkflowTestEnv> {
  const server = await startTestServer();
  const worker = await startTestWorker(server.address, taskQueue);
  const client = await connectClient(server.address, taskQueue);
  return {
    server,
    worker,
    client,
    async stop() {
      await client.close();
      await worker.stop();
      await server.stop();
    },
  };
}

/** Polls fn until it returns a truthy value or the timeout passes. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
  what = 'condition',
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

const showArgs = (address: string, workflowId: string, extra: string[]) => [
  'workflow',
  'show',
  '-w',
  workflowId,
  '-o',
  'json',
  '--address',
  address,
  ...extra,
];

// A long install's history runs to megabytes; the default 1 MiB would cut it.
const SHOW_MAX_BUFFER = 256 * 2 ** 20;

/**
 * A workflow's history as the proto3 JSON `temporal workflow show -o json` prints: what users
 * know, and what Worker.runReplayHistory reads. `extra`: more arguments, e.g. ['-r', runId].
 */
export function workflowHistoryJson(address: string, workflowId: string, extra: string[] = []): string {
  return execFileSync(ensureTemporalBinary(), showArgs(address, workflowId, extra), {
    maxBuffer: SHOW_MAX_BUFFER,
  }).toString();
}

/**
 * The same, without blocking this process: for when something the CLI calls runs in it (a codec
 * server given with `--codec-endpoint` in `extra`).
 */
export async function workflowHistoryJsonAsync(
  address: string,
  workflowId: string,
  extra: string[] = [],
): Promise<string> {
  const shown = await promisify(execFile)(ensureTemporalBinary(), showArgs(address, workflowId, extra), {
    maxBuffer: SHOW_MAX_BUFFER,
  });
  return shown.stdout;
}
