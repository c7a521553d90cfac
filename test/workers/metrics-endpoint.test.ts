// `hakube worker` with metrics on: one scrape of its port shows the SDK's metrics and hakube's,
// after real operations (self-tests, one waiting for an approval) ran on it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { HakubeClient } from '../../client/hakube-client';
import { connectClient, eventually, startTestServer, type TestServer } from '../helpers/temporal';
import { killWorker, startedWorkerProcess, type WorkerProcess } from '../helpers/worker-process';
import { freePort } from '../helpers/ports';
import { scrape, sample } from '../helpers/prometheus';
import { REPO_ROOT } from '../helpers/temp-home';

const TASK_QUEUE = 'hakube-test-metrics';
const MAX_ACTIVITIES = 9;
let server: TestServer;
let worker: WorkerProcess;
let client: HakubeClient;
let address: string;

before(async () => {
  server = await startTestServer();
  address = `127.0.0.1:${await freePort()}`;
  worker = await startedWorkerProcess(server.address, TASK_QUEUE, {
    HAKUBE_METRICS_ADDRESS: address,
    HAKUBE_METRICS_REFRESH_SECONDS: '1',
    HAKUBE_MAX_ACTIVITIES: String(MAX_ACTIVITIES),
  });
  client = await connectClient(server.address, TASK_QUEUE);
});

after(async () => {
  await client?.close();
  if (worker) await killWorker(worker);
  await server?.stop();
});

/** Scrapes until `check` passes (the exporter and the visibility refresh lag a little). */
async function scrapeUntil(what: string, check: (text: string) => boolean): Promise<string> {
  let last = '';
  try {
    return await eventually(
      async () => {
        last = await scrape(address);
        return check(last) ? last : undefined;
      },
      20_000,
      what,
      250,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlast scrape:\n${last}\nworker:\n${worker.logs()}`, {
      cause: err,
    });
  }
}

test('the start log names the metrics endpoint and the step limit', () => {
  const line = worker
    .logs()
    .split('\n')
    .find((l) => l.includes('hakube worker started'));
  const parsed = JSON.parse(line as string) as { metrics: string; maxActivities: number };
  assert.equal(parsed.metrics, `http://${address}/metrics`);
  assert.equal(parsed.maxActivities, MAX_ACTIVITIES);
});

test('one scrape shows the SDK’s metrics and hakube’s, with approvals waiting while one waits', async () => {
  const waiting = await client.startSelfTest(
    { cluster: 'm1', requireApproval: true },
    'selftest-metrics-wait',
  );
  await scrapeUntil(
    'hakube_approvals_waiting{operation="selftest"} 1',
    (t) => sample(t, 'hakube_approvals_waiting', { operation: 'selftest' }) === 1,
  );
  await client.decide(waiting.workflowId, { approve: true, by: 'alice' });
  await client.result(waiting.workflowId);
  const plain = await client.startSelfTest({ cluster: 'm2' }, 'selftest-metrics-plain');
  await client.result(plain.workflowId);

  const text = await scrapeUntil(
    'the finished operations',
    (t) =>
      sample(t, 'hakube_approvals_waiting', { operation: 'selftest' }) === 0 &&
      sample(t, 'hakube_operations', { operation: 'selftest', status: 'completed' }) === 2 &&
      (sample(t, 'temporal_workflow_completed', { workflow_type: 'selfTest' }) ?? 0) >= 2,
  );
  // The SDK's own: the activity slots are the configured limit, requests went to the server.
  assert.equal(
    sample(text, 'temporal_worker_task_slots_available', {
      worker_type: 'ActivityWorker',
      task_queue: TASK_QUEUE,
    }),
    MAX_ACTIVITIES,
  );
  assert.ok((sample(text, 'temporal_request', { namespace: 'default' }) ?? 0) > 0, 'temporal_request');
  // hakube's own: the describeWorker steps, the version, the operations by status.
  assert.equal(
    sample(text, 'hakube_activity_duration_seconds_count', {
      activity_type: 'describeWorker',
      outcome: 'completed',
    }),
    2,
  );
  assert.equal(sample(text, 'hakube_activity_retries_total', { activity_type: 'describeWorker' }), undefined);
  assert.equal(sample(text, 'hakube_build_info'), 1);
  assert.equal(sample(text, 'hakube_operations', { operation: 'selftest', status: 'running' }), 0);
  assert.equal(sample(text, 'hakube_approval_oldest_wait_seconds', { operation: 'selftest' }), 0);
  assert.equal(sample(text, 'hakube_metrics_refresh_failures_total'), undefined, 'no refresh failed');
  assert.match(text, /# TYPE hakube_activity_duration_seconds histogram/);
});

test('`hakube worker --metrics` with something that is no address is bad input, naming the flag', () => {
  const r = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'hakube.js'), 'worker', '--metrics', 'nowhere'],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(r.status, 2, `${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /--metrics: "nowhere" is not IP:PORT/);
});
