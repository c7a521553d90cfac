import { test } from 'node:test';
import assert from 'node:assert/strict';
import { historyRows } from '../../client/history';
import type { OperationSummary } from '../../client/hakube-client';

const op = (o: Partial<OperationSummary> & { workflowId: string; status: string }): OperationSummary => ({
  runId: 'r',
  type: 'etcdRestore',
  cluster: 'prod',
  operation: 'restore',
  startTime: new Date('2026-11-23T10:00:00.250Z'),
  ...o,
});

test('history: finished operations only, with their own outcome and duration', () => {
  const rows = historyRows(
    [
      op({ workflowId: 'restore-prod', status: 'RUNNING', phase: 'approval' }),
      op({
        workflowId: 'restore-prod',
        status: 'FAILED',
        phase: 'rejected',
        closeTime: new Date('2026-11-23T10:00:05.250Z'),
      }),
      op({
        workflowId: 'install-prod',
        type: 'installCluster',
        operation: 'install',
        status: 'COMPLETED',
        phase: 'completed',
        closeTime: new Date('2026-11-23T10:03:12.250Z'),
      }),
      op({ workflowId: 'backup-prod', operation: undefined, type: 'etcdBackup', status: 'TERMINATED' }),
    ],
    10,
  );
  assert.deepEqual(rows, [
    ['STARTED', 'OPERATION', 'OUTCOME', 'TOOK', 'WORKFLOW ID'],
    ['2026-11-23T10:00:00Z', 'restore', 'rejected', '5s', 'restore-prod'],
    ['2026-11-23T10:00:00Z', 'install', 'completed', '3m12s', 'install-prod'],
    ['2026-11-23T10:00:00Z', 'etcdBackup', 'terminated', '', 'backup-prod'],
  ]);
  assert.equal(historyRows([op({ workflowId: 'a', status: 'FAILED' })], 0).length, 1);
});
