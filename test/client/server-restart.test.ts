// `hakube server start`, kill -9 of the server, `hakube server start` again: a workflow started
// before the kill is still there and completes (the SQLite file keeps everything).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HakubeClient } from '../../client/hakube-client';
import { runCli } from '../helpers/cli';
import { connectClient, eventually, startTestWorker, type RunningWorker } from '../helpers/temporal';
import { freePort } from '../helpers/ports';

const TASK_QUEUE = 'hakube-test-restart';
let home = '';
let port = 0;
let uiPort = 0;
let worker: RunningWorker | undefined;
let client: HakubeClient | undefined;

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'hakube-restart-'));
  port = await freePort();
  uiPort = await freePort();
});

after(async () => {
  await client?.close();
  await worker?.stop();
  await runCli(['server', 'stop'], { HAKUBE_HOME: home });
  rmSync(home, { recursive: true, force: true });
});

function serverPid(): number {
  return (JSON.parse(readFileSync(join(home, 'temporal-server.json'), 'utf8')) as { pid: number }).pid;
}

test('start is idempotent and a port taken by something else is a clear error', async () => {
  const env = { HAKUBE_HOME: home };
  const first = await runCli(
    ['server', 'start', '--port', String(port), '--ui-port', String(uiPort), '--json'],
    env,
  );
  assert.equal(first.code, 0, first.stderr);
  assert.equal((JSON.parse(first.stdout) as { alreadyRunning: boolean }).alreadyRunning, false);
  const second = await runCli(
    ['server', 'start', '--port', String(port), '--ui-port', String(uiPort), '--json'],
    env,
  );
  assert.equal(second.code, 0, second.stderr);
  assert.equal((JSON.parse(second.stdout) as { alreadyRunning: boolean }).alreadyRunning, true);
  const status = await runCli(['server', 'status', '--json'], env);
  assert.equal((JSON.parse(status.stdout) as { running: boolean }).running, true);
  // Another state folder asking for the same port: refused, naming the port.
  const otherHome = mkdtempSync(join(tmpdir(), 'hakube-other-'));
  const clash = await runCli(['server', 'start', '--port', String(port), '--ui-port', String(uiPort)], {
    HAKUBE_HOME: otherHome,
  });
  rmSync(otherHome, { recursive: true, force: true });
  assert.equal(clash.code, 2);
  assert.match(clash.stderr, new RegExp(`port ${port} is already in use`));
});

test('a workflow started before kill -9 of the server is still listed and completes after restart', async () => {
  const address = `127.0.0.1:${port}`;
  worker = await startTestWorker(address, TASK_QUEUE);
  client = await connectClient(address, TASK_QUEUE);
  const { workflowId } = await client.startSelfTest({ cluster: 'restart', holdMs: 8000 }, 'selftest-restart');
  await eventually(
    async () => (await client!.progress(workflowId)).phase === 'hold',
    20_000,
    'the hold phase',
  );

  const pid = serverPid();
  process.kill(pid, 'SIGKILL');
  await eventually(
    async () =>
      (await runCli(['server', 'status', '--json'], { HAKUBE_HOME: home })).stdout.includes(
        '"running": false',
      ),
    10_000,
    'server death',
  );

  const restarted = await runCli(
    ['server', 'start', '--port', String(port), '--ui-port', String(uiPort), '--json'],
    { HAKUBE_HOME: home },
  );
  assert.equal(restarted.code, 0, restarted.stderr);
  assert.notEqual(serverPid(), pid);

  const listed = await eventually(
    async () => {
      const ops = await client!.list({ cluster: 'restart' });
      return ops.find((o) => o.workflowId === workflowId);
    },
    30_000,
    'the workflow in the list after restart',
  );
  assert.ok(listed);
  const result = await client.result(workflowId);
  assert.equal(result.worker.pid, process.pid);
  assert.equal((await client.progress(workflowId)).status, 'completed');
});
