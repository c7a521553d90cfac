// The pure parts of hakube's metrics: step outcomes, the approvals summary, operation counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { stepOutcome } from '../../../workers/metrics/outcome';
import { summarizeApprovals } from '../../../workers/metrics/approvals';
import { operationCounts, statusLabel } from '../../../workers/metrics/operation-counts';
import { OPERATIONS } from '../../../cluster/operations';

test('a step is completed, failed, or cancelled — whatever a cancelled step threw', () => {
  assert.equal(stepOutcome({ ok: true }, false), 'completed');
  assert.equal(
    stepOutcome({ ok: false, error: ApplicationFailure.create({ message: 'x' }) }, false),
    'failed',
  );
  assert.equal(stepOutcome({ ok: false, error: new Error('ssh: channel closed') }, true), 'cancelled');
  assert.equal(stepOutcome({ ok: false, error: new CancelledFailure('gone') }, false), 'cancelled');
});

test('approvals: every operation has a value, counts and the longest wait per operation', () => {
  const now = new Date('2026-12-06T12:00:00Z');
  const s = summarizeApprovals(
    [
      { operation: 'restore', waitingSince: new Date('2026-12-06T11:00:00Z') },
      { operation: 'restore', waitingSince: new Date('2026-12-06T11:30:00Z') },
      { operation: 'remove' },
      { operation: 'install' },
      { operation: 'reset', waitingSince: new Date('2026-12-06T12:00:05Z') },
    ],
    now,
  );
  assert.deepEqual(Object.keys(s).sort(), [...OPERATIONS].sort());
  assert.deepEqual(s.restore, { waiting: 2, oldestWaitSeconds: 3600 });
  assert.deepEqual(s.remove, { waiting: 0, oldestWaitSeconds: 0 });
  assert.deepEqual(
    s.reset,
    { waiting: 1, oldestWaitSeconds: 0 },
    'a clock a little behind is no negative wait',
  );
});

test('operation counts: visibility statuses become labels, absent ones count 0', () => {
  assert.equal(statusLabel('TimedOut'), 'timed_out');
  assert.equal(statusLabel('ContinuedAsNew'), 'continued_as_new');
  assert.equal(statusLabel('WORKFLOW_EXECUTION_STATUS_FAILED'), 'failed');
  const counts = operationCounts('backup', {
    count: 5,
    groups: [
      { count: 3, groupValues: [['Completed']] },
      { count: 2, groupValues: [['TimedOut']] },
    ],
  });
  const by = Object.fromEntries(counts.map((c) => [c.status, c.count]));
  assert.deepEqual(by, {
    running: 0,
    completed: 3,
    failed: 0,
    canceled: 0,
    terminated: 0,
    continued_as_new: 0,
    timed_out: 2,
  });
  assert.ok(counts.every((c) => c.operation === 'backup'));
});
