// Histories come from the server: the replay check must survive any it is sent. A fake server
// (the two calls the check makes) lists five executions: one whose history is not a history, one
// whose events make no sense, one recorded history that replays, one whose fetch fails and one
// deleted since it was listed. The check reports the first, second and fourth, replays the third
// after them, and skips the deleted one; a listing refused for permission is "not checked".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ConnectionLike } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { createJsonLogger } from '../../workers/logger';
import { DEFAULT_BUNDLE_PATH } from '../../workers/worker';
import { replayOpenExecutions } from '../../workers/replay-open-executions';
import { HISTORIES_DIR, readHistory } from '../helpers/replay-history';

/** What a connection throws for a failed call: a code, details and metadata. */
const grpcError = (code: number, message: string) =>
  Object.assign(new Error(`${code} ${message}`), { code, details: message, metadata: { get: () => [] } });

type Answer = { events: unknown[] } | Error;

function fakeServer(histories: Record<string, Answer>, listError?: Error): ConnectionLike {
  const executions = Object.keys(histories).map((id) => ({
    execution: { workflowId: id, runId: `run-${id}` },
    type: { name: 'selfTest' },
    taskQueue: 'q',
    status: 1,
    historyLength: { toNumber: () => 1 },
    startTime: {},
  }));
  const workflowService = {
    listWorkflowExecutions: async () => {
      if (listError) throw listError;
      return { executions, nextPageToken: new Uint8Array() };
    },
    getWorkflowExecutionHistory: async (req: { execution: { workflowId: string } }) => {
      const answer = histories[req.execution.workflowId];
      if (answer instanceof Error) throw answer;
      return { history: answer, nextPageToken: new Uint8Array() };
    },
  };
  const passThrough = async <R>(_: unknown, fn: () => Promise<R>) => fn();
  return {
    workflowService,
    operatorService: {},
    plugins: [],
    close: async () => undefined,
    ensureConnected: async () => undefined,
    withDeadline: passThrough,
    withMetadata: passThrough,
    withAbortSignal: passThrough,
  } as unknown as ConnectionLike;
}

const check = (connection: ConnectionLike) =>
  replayOpenExecutions({
    connection,
    namespace: 'default',
    taskQueue: 'q',
    source: { workflowBundle: { codePath: DEFAULT_BUNDLE_PATH } },
    stepTimeoutMs: 15_000,
  });

test('malformed histories and failed fetches are failures of their execution; the rest still replay', async () => {
  Runtime.install({ logger: createJsonLogger('ERROR') });
  const good = readHistory(join(HISTORIES_DIR, 'self-test-approved.json'));
  const result = await check(
    fakeServer({
      'not-a-history': { events: [{ eventId: '1', eventType: 'EVENT_TYPE_NO_SUCH_THING', bogus: {} }] },
      nonsense: {
        events: [
          // Well-formed events, but no history starts with a timer (the SDK's core panics on it).
          {
            eventId: '1',
            eventType: 'EVENT_TYPE_TIMER_FIRED',
            timerFiredEventAttributes: { timerId: '1', startedEventId: '7' },
          },
          {
            eventId: '2',
            eventType: 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
            workflowTaskScheduledEventAttributes: {},
          },
          {
            eventId: '3',
            eventType: 'EVENT_TYPE_WORKFLOW_TASK_STARTED',
            workflowTaskStartedEventAttributes: {},
          },
        ],
      },
      good,
      unreadable: grpcError(13, 'internal error'),
      deleted: grpcError(5, 'workflow execution not found'),
    }),
  );
  assert.ok(result.checked);
  assert.equal(result.replayed, 5);
  const broken = new Map(result.broken.map((b) => [b.workflowId, b]));
  assert.deepEqual(
    [...broken.keys()].sort(),
    ['nonsense', 'not-a-history', 'unreadable'],
    JSON.stringify(result.broken),
  );
  for (const b of broken.values()) {
    assert.ok(b.error.length > 0);
    assert.equal(b.runId, `run-${b.workflowId}`);
    assert.equal(b.workflowType, 'selfTest');
  }
  assert.match(broken.get('unreadable')?.error ?? '', /internal error/);
  assert.match(broken.get('nonsense')?.error ?? '', /does not start with WorkflowExecutionStarted/);
});

test('a listing refused for permission is reported as not checked, with the reason', async () => {
  const result = await check(fakeServer({}, grpcError(7, 'PERMISSION_DENIED: no visibility for you')));
  assert.deepEqual(result, { checked: false, reason: '7 PERMISSION_DENIED: no visibility for you' });
});

test('any other listing failure is not swallowed', async () => {
  await assert.rejects(check(fakeServer({}, grpcError(14, 'UNAVAILABLE'))), /UNAVAILABLE/);
});
