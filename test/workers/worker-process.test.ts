// `hakube worker` as a process: structured JSON logs, runs workflows from the prebuilt bundle,
// honours TEMPORAL_ADDRESS, and stops gracefully (exit 0) on SIGTERM.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { connectClient, eventually, startTestServer, type TestServer } from '../helpers/temporal';
import { REPO_ROOT } from '../helpers/temp-home';

const TASK_QUEUE = 'hakube-test-worker-process';
let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => server?.stop());

function startWorkerProcess(): { child: ChildProcessWithoutNullStreams; logs: () => string } {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'hakube.js'), 'worker', '--task-queue', TASK_QUEUE],
    {
      env: { ...process.env, TEMPORAL_ADDRESS: server.address },
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, logs: () => stderr };
}

test('hakube worker runs workflows and stops gracefully on SIGTERM', async () => {
  const { child, logs } = startWorkerProcess();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await eventually(async () => logs().includes('hakube worker started'), 60_000, 'worker start');
    const startLine = logs()
      .split('\n')
      .find((l) => l.includes('hakube worker started'));
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
