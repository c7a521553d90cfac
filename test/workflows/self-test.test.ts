// The self-test workflow on a real dev server with the real worker: progress, attach-on-restart,
// approvals by update and by signal, rejection, timeout, and search attributes for listing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { HakubeClient } from '../../client/hakube-client';
import {
  eventually,
  startWorkflowTestEnv,
  workflowHistoryJson,
  type WorkflowTestEnv,
} from '../helpers/temporal';
import { recordHistory } from '../helpers/record-history';

const TASK_QUEUE = 'hakube-test-selftest';
let env: WorkflowTestEnv;
let client: HakubeClient;

before(async () => {
  env = await startWorkflowTestEnv(TASK_QUEUE);
  client = env.client;
});

after(async () => {
  await env?.stop();
});

async function failureOf(workflowId: string): Promise<ApplicationFailure> {
  const err = await client.result(workflowId).then(
    () => assert.fail('expected the workflow to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError);
  assert.ok(err.cause instanceof ApplicationFailure);
  return err.cause;
}

test('selfTest runs an activity on the real worker and reports progress', async () => {
  const started = await client.startSelfTest({ cluster: 'c1' }, 'selftest-plain');
  assert.equal(started.started, true);
  const result = await client.result(started.workflowId);
  assert.equal(result.worker.pid, process.pid);
  const p = await client.progress(started.workflowId);
  assert.equal(p.status, 'completed');
  assert.deepEqual(
    p.phases.map((ph) => [ph.name, ph.status]),
    [
      ['worker', 'done'],
      ['approval', 'skipped'],
      ['hold', 'skipped'],
    ],
  );
  assert.equal(p.phases[0].steps[0].key, 'worker/describe');
});

test('starting the same operation again attaches to the running one, and approval by update records who and why', async () => {
  const first = await client.startSelfTest({ cluster: 'c2', requireApproval: true }, 'selftest-approve');
  const again = await client.startSelfTest({ cluster: 'c2', requireApproval: true }, 'selftest-approve');
  assert.equal(first.started, true);
  assert.equal(again.started, false);
  assert.equal(again.runId, first.runId);
  await eventually(
    async () => (await client.progress(first.workflowId)).waiting,
    15_000,
    'the approval wait',
  );
  assert.equal((await client.progress(first.workflowId)).status, 'waiting-for-approval');
  const decided = await client.decide(first.workflowId, {
    approve: true,
    by: 'alice',
    reason: 'change ticket 42',
  });
  assert.deepEqual(decided, { outcome: 'approved', by: 'alice', reason: 'change ticket 42' });
  const result = await client.result(first.workflowId);
  assert.equal(result.decision?.by, 'alice');
  assert.equal(result.decision?.reason, 'change ticket 42');
  // A second decision is refused: nothing waits any more.
  await assert.rejects(client.decide(first.workflowId, { approve: true, by: 'bob' }));
  if (process.env.HAKUBE_RECORD_HISTORIES === '1') {
    const json = workflowHistoryJson(env.server.address, first.workflowId);
    recordHistory('self-test-approved.json', json);
  }
});

test('the update validator refuses a rejection without a reason; a rejection fails the operation', async () => {
  const { workflowId } = await client.startSelfTest(
    { cluster: 'c3', requireApproval: true },
    'selftest-reject',
  );
  await eventually(async () => (await client.progress(workflowId)).waiting, 15_000, 'the approval wait');
  await assert.rejects(client.decide(workflowId, { approve: false, by: 'alice' }), /reason/);
  await client.decide(workflowId, { approve: false, by: 'alice', reason: 'not in the change window' });
  const failure = await failureOf(workflowId);
  assert.equal(failure.type, 'ApprovalRejected');
  assert.match(failure.message, /not in the change window/);
});

test('an approve signal with a JSON payload is accepted (Web UI / temporal workflow signal)', async () => {
  const { workflowId } = await client.startSelfTest(
    { cluster: 'c4', requireApproval: true },
    'selftest-signal',
  );
  await eventually(async () => (await client.progress(workflowId)).waiting, 15_000, 'the approval wait');
  await client.handle(workflowId).signal('approve', { by: 'web-ui-user', reason: 'looks good' });
  const result = await client.result(workflowId);
  assert.equal(result.decision?.by, 'web-ui-user');
});

test('with approvers, only they decide: the update refuses others, their signals are ignored; the client identity is recorded', async () => {
  const { workflowId } = await client.startSelfTest(
    { cluster: 'c6', requireApproval: true, approvers: ['alice', 'bob'] },
    'selftest-approvers',
  );
  await eventually(async () => (await client.progress(workflowId)).waiting, 15_000, 'the approval wait');
  await assert.rejects(
    client.decide(workflowId, { approve: true, by: 'mallory' }),
    /mallory is not an approver of this cluster/,
  );
  await client.handle(workflowId).signal('approve', { by: 'mallory', reason: 'trust me' });
  await client.handle(workflowId).signal('approve', {});
  // Still waiting: neither signal came from an approver.
  assert.ok((await client.progress(workflowId)).waiting, 'a non-approver decided');
  await client.decide(workflowId, { approve: true, by: 'bob', reason: 'ticket 7' });
  const result = await client.result(workflowId);
  assert.equal(result.decision?.by, 'bob');
  assert.equal(result.decision?.identity, client.temporal.options.identity);
  assert.match(result.decision?.identity ?? '', /@.* \(hakube pid \d+\)$/);
});

test('nobody approving in time fails safe with ApprovalTimedOut', async () => {
  const { workflowId } = await client.startSelfTest(
    { cluster: 'c5', requireApproval: true, approvalTimeoutMs: 1500 },
    'selftest-timeout',
  );
  const failure = await failureOf(workflowId);
  assert.equal(failure.type, 'ApprovalTimedOut');
  assert.equal((await client.progress(workflowId)).status, 'timed-out');
});

test('operations are listed by cluster through the search attributes', async () => {
  const listed = await eventually(
    async () => {
      const ops = await client.list({ cluster: 'c1' });
      return ops.length === 1 && ops[0].phase === 'completed' ? ops : undefined;
    },
    20_000,
    'visibility',
  );
  assert.equal(listed[0].workflowId, 'selftest-plain');
  assert.equal(listed[0].operation, 'selftest');
  assert.equal(listed[0].status, 'COMPLETED');
});
