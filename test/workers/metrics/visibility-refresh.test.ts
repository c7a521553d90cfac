// The visibility refresh: what it sets, and that a failing source is counted, not fatal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startVisibilityRefresh } from '../../../workers/metrics/visibility-refresh';
import type { VisibilitySource } from '../../../workers/metrics/visibility-source';
import type { ApprovalSummary } from '../../../workers/metrics/approvals';
import type { OperationCounts } from '../../../workers/metrics/operation-counts';

function recorder() {
  const seen = {
    approvals: [] as ApprovalSummary[],
    operations: [] as OperationCounts[],
    failures: [] as string[],
  };
  return {
    seen,
    metrics: {
      approvals: (s: ApprovalSummary) => void seen.approvals.push(s),
      operations: (c: OperationCounts) => void seen.operations.push(c),
      refreshFailed: (source: 'approvals' | 'operations') => void seen.failures.push(source),
    },
  };
}

test('a refresh sets the approvals and every operation’s counts', async () => {
  const r = recorder();
  const source: VisibilitySource = {
    openOperations: async () => [{ operation: 'restore', waitingSince: new Date(0) }],
    countByStatus: async (op) => ({
      count: 1,
      groups: op === 'backup' ? [{ count: 1, groupValues: [['Running']] }] : [],
    }),
  };
  const refresh = startVisibilityRefresh({
    source,
    metrics: r.metrics,
    intervalMs: 60_000,
    log: () => undefined,
    now: () => new Date(90_000),
  });
  await refresh.refresh();
  refresh.stop();
  assert.ok(r.seen.approvals.length >= 1);
  assert.deepEqual(r.seen.approvals.at(-1)?.restore, { waiting: 1, oldestWaitSeconds: 90 });
  const backup = r.seen.operations.flat().find((c) => c.operation === 'backup' && c.status === 'running');
  assert.equal(backup?.count, 1);
  assert.deepEqual(r.seen.failures, []);
});

test('a failing source is counted and logged; the worker carries on', async () => {
  const r = recorder();
  const logged: string[] = [];
  const refresh = startVisibilityRefresh({
    source: {
      openOperations: async () => Promise.reject(new Error('server gone')),
      countByStatus: async () => Promise.reject(new Error('server gone')),
    },
    metrics: r.metrics,
    intervalMs: 60_000,
    log: (msg) => void logged.push(msg),
  });
  await refresh.refresh();
  refresh.stop();
  assert.deepEqual([...new Set(r.seen.failures)].sort(), ['approvals', 'operations']);
  assert.equal(r.seen.approvals.length, 0);
  assert.ok(logged.some((m) => m.includes('approvals refresh failed')));
});

test('a tick that finds the last refresh still running skips it', async () => {
  const r = recorder();
  let calls = 0;
  let release: () => void = () => undefined;
  const refresh = startVisibilityRefresh({
    source: {
      openOperations: async () => {
        calls++;
        await new Promise<void>((resolve) => (release = resolve));
        return [];
      },
      countByStatus: async () => ({ count: 0, groups: [] }),
    },
    metrics: r.metrics,
    intervalMs: 5,
    log: () => undefined,
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(calls, 1, 'twenty ticks, one refresh');
  refresh.stop();
  release();
});
