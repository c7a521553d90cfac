// A worker that starts ends the attempts a dead worker of this machine left running, so they are
// retried at once instead of after their timeout: on a real dev server, a worker process whose
// activity never returns is SIGKILLed mid-attempt, the real `hakube worker` starts, and the
// self-test's second attempt starts with "WorkerGone" as its predecessor's failure (not a timeout).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import type { HakubeClient } from '../../client/hakube-client';
import { deadLocalWorker, workerIdentity, WORKER_GONE } from '../../workers/orphaned-attempts';
import { connectClient, eventually, startTestServer, type TestServer } from '../helpers/temporal';
import { killWorker, startedWorkerProcess } from '../helpers/worker-process';

const TASK_QUEUE = 'hakube-test-orphaned-attempts';
const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

test('only a worker of this machine whose process is gone counts as dead', () => {
  const self = { hostname: 'node-a', pid: 4242, isAlive: (pid: number) => pid === 1 || pid === 4242 };
  assert.equal(workerIdentity(self), '4242@node-a');
  assert.match(deadLocalWorker('777@node-a', self) ?? '', /777@node-a is gone \(no process 777 on node-a\)/);
  assert.match(deadLocalWorker('4242@node-a', self) ?? '', /was this PID before this process started/);
  assert.equal(deadLocalWorker('1@node-a', self), undefined, 'a live process');
  assert.equal(deadLocalWorker('777@node-b', self), undefined, 'another machine');
  for (const odd of ['', 'node-a', '0@node-a', '-1@node-a', 'x@node-a', 'worker-on-node-a', undefined, null])
    assert.equal(deadLocalWorker(odd, self), undefined, String(odd));
});

let server: TestServer;
let client: HakubeClient;
before(async () => {
  server = await startTestServer();
  client = await connectClient(server.address, TASK_QUEUE);
});
after(async () => {
  await client?.close();
  await server?.stop();
});

test(
  "a SIGKILLed worker's attempt is ended by the next worker on this machine and retried at once",
  { timeout: 180_000 },
  async () => {
    const stalling = spawn(process.execPath, [
      join(__dirname, '..', 'fixtures', 'workers', 'stalling-worker.js'),
      server.address,
      TASK_QUEUE,
    ]);
    let out = '';
    stalling.stdout.on('data', (d: Buffer) => (out += d.toString()));
    stalling.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await eventually(async () => out.includes('polling') || undefined, 60_000, 'the stalling worker polls');
    const { workflowId } = await client.startSelfTest({ cluster: 'orphans' }, 'selftest-orphaned-attempt');
    const pending = await eventually(
      async () => {
        const d = await client.handle(workflowId).describe();
        return d.raw.pendingActivities?.find((a) => a.state === STARTED);
      },
      30_000,
      'describeWorker started on the stalling worker',
    );
    assert.equal(pending.lastWorkerIdentity, `${stalling.pid}@${hostname()}`);
    stalling.kill('SIGKILL');
    await once(stalling, 'exit');

    const worker = await startedWorkerProcess(server.address, TASK_QUEUE);
    try {
      const result = await client.result<{ worker: { pid: number } }>(workflowId);
      assert.equal(result.worker.pid, worker.child.pid, 'the new worker ran the retried step');
      const logs = worker.logs();
      assert.match(logs, /ended an attempt a dead worker of this machine left running/);
      assert.ok(logs.includes(`${stalling.pid}@${hostname()}`), 'the log names the dead worker');
    } finally {
      await killWorker(worker);
    }
    // The retried attempt's predecessor failed as WorkerGone: ended by the new worker, not by its 30 s timeout.
    const history = await client.handle(workflowId).fetchHistory();
    const started = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
    const last = started.at(-1)?.activityTaskStartedEventAttributes;
    assert.equal(last?.attempt, 2);
    assert.equal(last?.lastFailure?.applicationFailureInfo?.type, WORKER_GONE);
  },
);
