// `hakube worker` as a process: structured JSON logs, runs workflows from the prebuilt bundle,
// honours TEMPORAL_ADDRESS, and stops gracefully (exit 0) on SIGTERM.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectClient, startTestServer, type TestServer } from '../helpers/temporal';
import { startedWorkerProcess, WORKER_STARTED } from '../helpers/worker-process';

const TASK_QUEUE = 'hakube-test-worker-process';
let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => server?.stop());

test('hakube worker runs workflows and stops gracefully on SIGTERM', async () => {
  const { child, logs, exited } = await startedWorkerProcess(server.address, TASK_QUEUE);
  try {
    const startLine = logs()
      .split('\n')
      .find((l) => l.includes(WORKER_STARTED));
    const parsed = JSON.parse(startLine as string) as { level: string; taskQueue: string; workflows: string };
    assert.equal(parsed.level, 'info');
    assert.equal(parsed.taskQueue, TASK_QUEUE);
    assert.equal(parsed.workflows, 'prebuilt bundle');

    const client = await connectClient(server.address, TASK_QUEUE);
    try {
      const { workflowId } = await client.startSelfTest({ cluster: 'proc' }, 'selftest-worker-process');
      const result = await client.result(workflowId);
      assert.equal(result.worker.pid, child.pid);
    } finally {
      await client.close();
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 0, logs());
    assert.match(logs(), /hakube worker stopped/);
  } finally {
    child.kill('SIGKILL');
  }
});
