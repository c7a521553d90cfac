// The worker's health file (workers/health-file.ts) and the compose health check that reads it
// (workers/health-check.ts): renewed only while the worker is alive, removed when it stops, and
// the check fails on a missing or stale file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { healthVerdict, HEALTH_MAX_AGE_MS, startHealthFile, workerAlive } from '../../workers/health-file';
import { REPO_ROOT } from '../helpers/temp-home';
import { eventually, startTestServer, type TestServer } from '../helpers/temporal';
import { startedWorkerProcess } from '../helpers/worker-process';

const dir = mkdtempSync(join(tmpdir(), 'hakube-health-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HEALTH_CHECK = join(REPO_ROOT, 'dist', 'workers', 'health-check.js');
const check = (file: string | undefined) =>
  spawnSync(process.execPath, [HEALTH_CHECK], {
    encoding: 'utf8',
    env: { ...process.env, HAKUBE_HEALTH_FILE: file ?? '' },
  });

test('verdict: a recent file is healthy; a missing or stale one is not, saying why', () => {
  const now = 1_000_000_000;
  assert.equal(healthVerdict(now - 5_000, now).healthy, true);
  assert.equal(healthVerdict(now - HEALTH_MAX_AGE_MS, now).healthy, true);
  const stale = healthVerdict(now - HEALTH_MAX_AGE_MS - 1_000, now);
  assert.equal(stale.healthy, false);
  assert.match(stale.reason, /31 s old .*cannot reach Temporal/);
  assert.match(healthVerdict(undefined, now).reason, /no health file/);
});

test('the file is written only while alive says so, and removed on stop', async () => {
  const file = join(dir, 'alive-toggle');
  writeFileSync(file, 'left by an earlier run\n');
  let alive = false;
  const health = startHealthFile({ path: file, alive: async () => alive, intervalMs: 20 });
  try {
    assert.equal(existsSync(file), false, 'an earlier run’s file must not vouch for this one');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(existsSync(file), false, 'written while not alive');
    alive = true;
    await eventually(async () => existsSync(file), 2_000, 'the file');
    alive = false;
    // A renewal whose alive check answered just before the switch may still land: let it.
    await new Promise((r) => setTimeout(r, 60));
    const since = statSync(file).mtimeMs;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(statSync(file).mtimeMs, since, 'renewed while not alive');
  } finally {
    await health.stop();
  }
  assert.equal(existsSync(file), false);
});

test('alive: running with working pollers and a SERVING frontend; anything else is not', async () => {
  const status = (over: Record<string, string> = {}) => ({
    runState: 'RUNNING',
    workflowPollerState: 'POLLING',
    activityPollerState: 'POLLING',
    ...over,
  });
  const worker = (s: ReturnType<typeof status>) => ({ getStatus: () => s }) as unknown as Worker;
  const connection = (check: () => Promise<{ status: number }>) =>
    ({
      withDeadline: (_d: number, fn: () => Promise<unknown>) => fn(),
      healthService: { check },
    }) as unknown as NativeConnection;
  const serving = connection(async () => ({ status: 1 }));
  assert.equal(await workerAlive(worker(status()), serving, 100), true);
  assert.equal(await workerAlive(worker(status({ runState: 'STOPPING' })), serving, 100), false);
  assert.equal(await workerAlive(worker(status({ activityPollerState: 'FAILED' })), serving, 100), false);
  assert.equal(
    await workerAlive(
      worker(status()),
      connection(async () => ({ status: 2 })),
      100,
    ),
    false,
  );
  const unreachable = connection(async () => {
    throw new Error('14 UNAVAILABLE');
  });
  assert.equal(await workerAlive(worker(status()), unreachable, 100), false);
});

test('the health check passes on a fresh file and fails on a stale, missing or unnamed one', () => {
  const file = join(dir, 'check');
  writeFileSync(file, 'now\n');
  assert.equal(check(file).status, 0, check(file).stderr);
  const old = (Date.now() - HEALTH_MAX_AGE_MS - 10_000) / 1000;
  utimesSync(file, old, old);
  const stale = check(file);
  assert.equal(stale.status, 1);
  assert.match(stale.stderr, /s old/);
  assert.equal(check(join(dir, 'absent')).status, 1);
  assert.equal(check(undefined).status, 1);
});

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => server?.stop());

test('a real `hakube worker` keeps its file fresh while it runs and removes it when stopped', async () => {
  const file = join(dir, 'worker.alive');
  const w = await startedWorkerProcess(server.address, 'hakube-test-health-file', {
    HAKUBE_HEALTH_FILE: file,
  });
  try {
    await eventually(async () => existsSync(file), 20_000, 'the health file');
    const r = check(file);
    assert.equal(r.status, 0, r.stderr);
    w.child.kill('SIGTERM');
    assert.equal(await w.exited, 0, w.logs());
    assert.equal(existsSync(file), false, 'a stopped worker left its health file');
    assert.equal(check(file).status, 1);
  } finally {
    w.child.kill('SIGKILL');
  }
});
