// The worker's start-up replay check on a real dev server: a selfTest left waiting for approval by
// the real worker replays through the same code, is reported broken through a selfTest changed
// without patched(), and a real `hakube worker` process with that changed code refuses to start,
// naming it; with the real code it starts and says how many it replayed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode, NativeConnection } from '@temporalio/worker';
import type { HakubeClient } from '../../client/hakube-client';
import { DEFAULT_BUNDLE_PATH } from '../../workers/worker';
import {
  openExecutionsQuery,
  replayOpenExecutions,
  type WorkflowSource,
} from '../../workers/replay-open-executions';
import { WorkerSettingsError } from '../../workers/settings-error';
import {
  connectClient,
  eventually,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../helpers/temporal';
import { startedWorkerProcess, startWorkerProcess } from '../helpers/worker-process';

const TASK_QUEUE = 'hakube-test-replay-check';
const WAITING = 'selftest-replay-check-waiting';
const SECOND = 'selftest-replay-check-second';

let server: TestServer;
let client: HakubeClient;
let connection: NativeConnection;
let dir: string;
/** The fixture's changed selfTest, bundled as `node dist/workers/bundle.js` bundles the real one. */
let changedBundlePath: string;
const started: string[] = [];

const realCode: WorkflowSource = { workflowBundle: { codePath: DEFAULT_BUNDLE_PATH } };
const changedCode = (): WorkflowSource => ({ workflowBundle: { codePath: changedBundlePath } });

const check = (source: WorkflowSource, limit?: number) =>
  replayOpenExecutions({ connection, namespace: 'default', taskQueue: TASK_QUEUE, source, limit });

async function startWaiting(workflowId: string, cluster: string): Promise<void> {
  await client.startSelfTest({ cluster, requireApproval: true }, workflowId);
  started.push(workflowId);
  await eventually(async () => (await client.progress(workflowId)).waiting, 30_000, `${workflowId} waiting`);
}

/** Visibility lags a little behind the executions themselves. */
async function openCount(n: number): Promise<void> {
  await eventually(
    async () => {
      let count = 0;
      for await (const _ of client.temporal.workflow.list({ query: openExecutionsQuery(TASK_QUEUE) }))
        count++;
      return count === n;
    },
    15_000,
    `${n} open executions listed`,
  );
}

before(async () => {
  server = await startTestServer();
  client = await connectClient(server.address, TASK_QUEUE);
  // The real worker (it installs the SDK runtime: first) starts the execution and leaves it
  // waiting for approval; then it goes, as a worker being upgraded would.
  const worker = await startTestWorker(server.address, TASK_QUEUE);
  try {
    await startWaiting(WAITING, 'replay');
  } finally {
    await worker.stop();
  }
  connection = await NativeConnection.connect({ address: server.address });
  dir = mkdtempSync(join(tmpdir(), 'hakube-replay-check-'));
  changedBundlePath = join(dir, 'changed-workflow-bundle.js');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../fixtures/workflows/changed-self-test'),
    logger: undefined,
  });
  writeFileSync(changedBundlePath, code);
  await openCount(1);
});

after(async () => {
  for (const id of started)
    await client?.temporal.workflow
      .getHandle(id)
      .terminate('test cleanup')
      .catch(() => undefined);
  await client?.close();
  await connection?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the same workflow code replays the open execution', async () => {
  const result = await check(realCode);
  assert.ok(result.checked, 'visibility answered');
  assert.equal(result.replayed, 1);
  assert.deepEqual(result.broken, []);
  assert.equal(result.moreThanLimit, false);
});

test('code that schedules another first command is reported broken, naming the execution', async () => {
  const result = await check(changedCode());
  assert.ok(result.checked);
  assert.equal(result.replayed, 1);
  assert.equal(result.broken.length, 1, JSON.stringify(result.broken));
  const [b] = result.broken;
  assert.equal(b.workflowId, WAITING);
  assert.equal(b.workflowType, 'selfTest');
  assert.ok(b.runId);
  assert.equal(b.nondeterminism, true, b.error);
  assert.match(b.error, /nondeterminism/i);
});

test('a task queue that cannot be quoted in a visibility query is refused', () => {
  assert.throws(() => openExecutionsQuery('q" OR TaskQueue="other'), WorkerSettingsError);
  assert.throws(() => openExecutionsQuery('q\\'), WorkerSettingsError);
  assert.equal(openExecutionsQuery('hakube'), 'ExecutionStatus="Running" AND TaskQueue="hakube"');
});

test('hakube worker with the changed code refuses to start, naming the execution and what to do', async () => {
  const w = startWorkerProcess(server.address, TASK_QUEUE, { HAKUBE_WORKFLOW_BUNDLE: changedBundlePath });
  const code = await Promise.race([
    w.exited,
    new Promise<'running'>((r) => setTimeout(() => r('running'), 60_000).unref()),
  ]);
  if (code === 'running') w.child.kill('SIGKILL');
  assert.notEqual(code, 0, w.logs());
  assert.notEqual(code, 'running', `the worker did not refuse: ${w.logs()}`);
  assert.match(w.logs(), new RegExp(`cannot replay 1 open execution.*${WAITING} \\(selfTest`));
  assert.match(w.logs(), /docs\/versioning\.md/);
  assert.doesNotMatch(w.logs(), /hakube worker started/);
  const logged = w
    .logs()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l.msg === 'open execution would break on this worker');
  assert.ok(logged, w.logs());
  assert.equal(logged.workflowId, WAITING);
  assert.equal(logged.workflowType, 'selfTest');
  assert.doesNotMatch(String(logged.error), /\n/);
});

test('with --skip-replay-check (HAKUBE_SKIP_REPLAY_CHECK=1) the same worker starts, warning', async () => {
  const w = await startedWorkerProcess(server.address, TASK_QUEUE, {
    HAKUBE_WORKFLOW_BUNDLE: changedBundlePath,
    HAKUBE_SKIP_REPLAY_CHECK: '1',
  });
  w.child.kill('SIGTERM');
  await w.exited;
  assert.match(w.logs(), /replay check skipped/);
});

test('hakube worker with the real code replays the open execution and starts', async () => {
  const w = await startedWorkerProcess(server.address, TASK_QUEUE);
  w.child.kill('SIGTERM');
  assert.equal(await w.exited, 0, w.logs());
  const line = w
    .logs()
    .split('\n')
    .find((l) => l.includes('replayed 1 open execution'));
  assert.ok(line, w.logs());
  const parsed = JSON.parse(line) as { replayed: number; broken: number; elapsedMs: number };
  assert.equal(parsed.replayed, 1);
  assert.equal(parsed.broken, 0);
  assert.equal(typeof parsed.elapsedMs, 'number');
});

test('at most `limit` executions are replayed, with a note that more exist', async () => {
  const worker = await startTestWorker(server.address, TASK_QUEUE);
  try {
    await startWaiting(SECOND, 'replay-second');
  } finally {
    await worker.stop();
  }
  await openCount(2);
  const limited = await check(realCode, 1);
  assert.ok(limited.checked);
  assert.equal(limited.replayed, 1);
  assert.equal(limited.moreThanLimit, true);
  const all = await check(changedCode(), 2);
  assert.ok(all.checked);
  assert.equal(all.moreThanLimit, false);
  assert.deepEqual(all.broken.map((b) => b.workflowId).sort(), [SECOND, WAITING].sort());
});
