// `hakube node remove --host-down` (workflows/remove-node.ts) under the real workflow bundle with
// stand-in activities: for a control-plane + etcd host that is down, nothing is asked of the host
// itself (no stop, no reset), its etcd member is removed through the others, the load balancers
// and apiservers that stay are updated, its Node is deleted; the phases are those its dry run
// prints; and the run warns that the host must be reset before it rejoins.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { QUERY_PROGRESS } from '../../cluster/operations';
import { planPhases } from '../../cluster/plan/phases';
import { REMOVE_PHASES } from '../../cluster/plan/remove';
import type { OperationProgress } from '../../cluster/progress';
import { hostByName } from '../../cluster/topology';
import { pkiCluster } from '../helpers/pki-cluster';
import {
  noTestServer,
  recordIfAsked,
  standInWorker,
  startTimeSkipping,
  type StandIns,
} from '../helpers/time-skipping';

const TASK_QUEUE = 'hakube-test-remove-host-down';
const cluster = pkiCluster();
let env: TestWorkflowEnvironment;

before(async () => {
  if (!noTestServer()) env = await startTimeSkipping();
});
after(async () => {
  await env?.teardown();
});

/** Where each call's commands run: the input's host, unless it names a `via` host that runs them. */
function recording(calls: string[]): StandIns {
  const names = [
    'checkEtcdMemberRemoval',
    'drainNode',
    'ensureHaproxy',
    'ensureKeepalived',
    'checkEndpoint',
    'stopServices',
    'ensureEtcdMemberRemoved',
    'checkEtcdHealth',
    'ensureHostCertificates',
    'ensureApiserver',
    'checkApiserverReady',
    'deleteNodeObject',
    'resetHost',
    'ensureHostsFile',
  ];
  const results: Record<string, unknown> = {
    checkEtcdMemberRemoval: { problems: [] },
    ensureEtcdMemberRemoved: { memberId: '3', removed: true, members: 2 },
    drainNode: { node: 'x', registered: true, evicted: [] },
  };
  return Object.fromEntries(
    names.map((n) => [
      n,
      async (input: { host?: string; via?: string | string[] }) => {
        const via = Array.isArray(input.via) ? input.via[0] : input.via;
        calls.push(`${n} ${via ?? input.host}`);
        return results[n] ?? {};
      },
    ]),
  );
}

test(
  'a control-plane host that is down is removed without a step on it',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const calls: string[] = [];
    const worker = await standInWorker(env, TASK_QUEUE, recording(calls));
    const progress = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('removeNode', {
        taskQueue: TASK_QUEUE,
        workflowId: 'remove-host-down',
        args: [{ cluster, node: 'master-3', approvedBy: 'alice', hostDown: true }],
      });
      await handle.result();
      await recordIfAsked('remove-node-host-down-stand-ins.json', handle);
      return handle.query<OperationProgress>(QUERY_PROGRESS);
    });
    assert.deepEqual(
      calls.filter((c) => c.endsWith(' master-3')),
      [],
      'nothing ran on master-3',
    );
    assert.ok(calls.includes('ensureEtcdMemberRemoved master-1'), calls.join('\n'));
    for (const h of ['master-1', 'master-2']) assert.ok(calls.includes(`ensureApiserver ${h}`), h);
    assert.ok(calls.some((c) => c.startsWith('deleteNodeObject ')));
    const plan = planPhases(REMOVE_PHASES, {
      cluster,
      node: hostByName(cluster, 'master-3'),
      hostDown: true,
    });
    assert.deepEqual(
      progress.phases.map((p) => `${p.name}:${p.status}`),
      plan.map((p) => `${p.name}:${p.skipped ? 'skipped' : 'done'}`),
    );
    assert.deepEqual(
      plan.filter((p) => p.skipped).map((p) => p.name),
      ['drain', 'control-plane'],
    );
    assert.match(progress.warnings.join('\n'), /master-3 was down and is not reset: keep it off the network/);
  },
);
