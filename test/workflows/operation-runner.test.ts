// The one phase runner (workflows/shared/operation.ts) under the real workflow bundle, with
// stand-in activities on Temporal's time-skipping server: an install schedules exactly the steps
// its dry-run plan prints; an approval nobody gives times out with nothing changed; a failure
// after the cluster changed ends with what to do next; a failed or cancelled host of a rotation
// gets its previous certificates back (undo is not cancelled with the run).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { QUERY_PROGRESS } from '../../cluster/operations';
import { installPlan } from '../../cluster/plan/install';
import { planPhases, plannedStepKeys } from '../../cluster/plan/phases';
import { clusterForJoin, JOIN_PHASES, joinBatch } from '../../cluster/plan/join';
import { workflowIdFor } from '../../cluster/operations';
import { hostByName } from '../../cluster/topology';
import type { OperationProgress } from '../../cluster/progress';
import type { CertReportRow } from '../../cluster/pki/cert-report';
import type { ResetInspection } from '../../cluster/plan/reset';
import { healthy } from '../helpers/host-facts';
import { INSTALL_ACTIVITIES, INSTALL_RESULTS } from '../helpers/install-stand-ins';
import { pkiCluster } from '../helpers/pki-cluster';
import {
  noTestServer,
  recordIfAsked,
  standInWorker,
  startTimeSkipping,
  type StandIns,
} from '../helpers/time-skipping';

const TASK_QUEUE = 'hakube-test-operation-runner';
const cluster = pkiCluster();
/** Install and join upload from a bundle folder on the worker's machine (stand-ins never read it). */
const withBundle = {
  ...cluster,
  spec: { ...cluster.spec, artifacts: { ...cluster.spec.artifacts, bundleDir: '/srv/hakube-bundle' } },
};
let env: TestWorkflowEnvironment;

before(async () => {
  if (!noTestServer()) env = await startTimeSkipping();
});

after(async () => {
  await env?.teardown();
});

/** Every call of a stand-in, as `activity host`, in the order they ran. */
type Calls = string[];

const done =
  (calls: Calls, name: string, result: unknown = {}) =>
  async (input: { host?: string }) => {
    calls.push(`${name} ${input?.host ?? '-'}`);
    return result;
  };

function standIns(calls: Calls, names: string[], results: Record<string, unknown> = {}): StandIns {
  return Object.fromEntries(names.map((n) => [n, done(calls, n, results[n] ?? {})]));
}

/** The run's failure; its history is kept as test/histories/`history` when recording. */
async function failureOf(handle: WorkflowHandle, history: string): Promise<WorkflowFailedError> {
  const err = await handle.result().then(
    () => assert.fail(`${handle.workflowId} was expected to fail`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, String(err));
  await recordIfAsked(history, handle);
  return err;
}

/** Waits for the run to complete; a failure fails the test with its whole cause chain. */
async function completed(handle: WorkflowHandle): Promise<void> {
  await handle.result().catch((e: unknown) => {
    const chain: string[] = [];
    for (let c = e as Error | undefined; c; c = c.cause as Error | undefined) chain.push(c.message);
    assert.fail(`${handle.workflowId} failed: ${chain.join(': ')}`);
  });
}

const progressOf = (handle: WorkflowHandle) => handle.query<OperationProgress>(QUERY_PROGRESS);

const permanent = (message: string) =>
  ApplicationFailure.create({ type: 'RemoteCommandFailed', message, nonRetryable: true });

test(
  "an install schedules exactly the steps of its dry-run plan, on the plan's hosts",
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const calls: Calls = [];
    const worker = await standInWorker(
      env,
      TASK_QUEUE,
      standIns(calls, [...INSTALL_ACTIVITIES], INSTALL_RESULTS),
    );
    // Preflight evaluates real facts, which stand-ins cannot give: the run and the plan leave it out alike.
    const selection = { skipPhases: ['preflight'] };
    const progress = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('installCluster', {
        taskQueue: TASK_QUEUE,
        workflowId: 'runner-install',
        args: [{ cluster: withBundle, ...selection }],
      });
      await completed(handle);
      await recordIfAsked('install-plan-equals-run-stand-ins.json', handle);
      return progressOf(handle);
    });
    const ran = progress.phases.flatMap((p) => p.steps.map((s) => s.key));
    assert.deepEqual([...ran].sort(), plannedStepKeys(installPlan(cluster, selection)).sort());
    assert.deepEqual(
      progress.phases.map((p) => `${p.name}:${p.status}`),
      installPlan(cluster, selection).map((p) => `${p.name}:${p.skipped ? 'skipped' : 'done'}`),
    );
    assert.equal(progress.status, 'completed');
    // Every host of the spec got its OS prepared; etcd ran on the three etcd members only.
    assert.equal(calls.filter((c) => c.startsWith('prepareOs ')).length, 4);
    assert.deepEqual(
      calls.filter((c) => c.startsWith('ensureEtcdMember ')).sort(),
      ['master-1', 'master-2', 'master-3'].map((h) => `ensureEtcdMember ${h}`),
    );
  },
);

test(
  'an install re-run on a formed cluster restarts etcd members and apiservers one after another',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const events: string[] = [];
    /** Each call's start and end, so calls that overlap show interleaved. */
    const timed =
      (name: string, result: unknown = {}) =>
      async (input: { host?: string; waitReady?: boolean; local?: boolean }) => {
        events.push(
          `start ${name} ${input.host ?? '-'}${input.waitReady ? ' waitReady' : ''}${input.local ? ' local' : ''}`,
        );
        await new Promise((r) => setTimeout(r, 50));
        events.push(`end ${name} ${input.host ?? '-'}`);
        return result;
      };
    const results: Record<string, unknown> = {
      ...INSTALL_RESULTS,
      readEtcdFormed: { formed: true, via: 'master-1', members: 3 },
    };
    const worker = await standInWorker(
      env,
      TASK_QUEUE,
      Object.fromEntries(INSTALL_ACTIVITIES.map((n) => [n, timed(n, results[n] ?? {})])),
    );
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('installCluster', {
        taskQueue: TASK_QUEUE,
        workflowId: 'runner-install-rerun',
        args: [{ cluster: withBundle, skipPhases: ['preflight'] }],
      });
      await completed(handle);
      await recordIfAsked('install-rerun-formed-stand-ins.json', handle);
    });
    const of = (name: string) => events.filter((e) => e.split(' ')[1] === name);
    // Each member starts after the one before it ended, and waits until it is ready.
    assert.deepEqual(of('ensureEtcdMember'), [
      'start ensureEtcdMember master-1 waitReady',
      'end ensureEtcdMember master-1',
      'start ensureEtcdMember master-2 waitReady',
      'end ensureEtcdMember master-2',
      'start ensureEtcdMember master-3 waitReady',
      'end ensureEtcdMember master-3',
    ]);
    // The first apiserver alone and behind its own /readyz, then the others.
    const cp = events.filter((e) => / (ensureApiserver|checkApiserverReady) /.test(e));
    assert.deepEqual(cp.slice(0, 4), [
      'start ensureApiserver master-1',
      'end ensureApiserver master-1',
      'start checkApiserverReady master-1 local',
      'end checkApiserverReady master-1',
    ]);
  },
);

test(
  'an approval nobody gives times out after 30 min with nothing changed',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const calls: Calls = [];
    const worker = await standInWorker(env, TASK_QUEUE, standIns(calls, ['stageEncryptionKey']));
    const { err, progress, skippedMs } = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('rotateEncryptionKey', {
        taskQueue: TASK_QUEUE,
        workflowId: 'runner-approval-timeout',
        args: [{ cluster }],
      });
      const failure = await failureOf(handle, 'rotate-encryption-key-approval-timed-out.json');
      const d = await handle.describe();
      return {
        err: failure,
        progress: await progressOf(handle),
        skippedMs: (d.closeTime?.getTime() ?? NaN) - d.startTime.getTime(),
      };
    });
    assert.ok(err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'ApprovalTimedOut');
    assert.match(err.cause.message, /nothing was changed/);
    assert.deepEqual(calls, []);
    assert.equal(progress.status, 'timed-out');
    assert.ok(skippedMs >= 30 * 60_000 && skippedMs < 31 * 60_000, `ended after ${skippedMs / 60_000} min`);
  },
);

const nothingThere = (host: string): ResetInspection => ({
  host,
  units: [],
  unitFiles: [],
  foreignUnitFiles: [],
  present: [],
  asideTaken: [],
  mountPoints: [],
  mountsBelow: [],
});

test(
  'a failure after the cluster changed ends naming the phase and what to do next',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const worker = await standInWorker(env, TASK_QUEUE, {
      inspectResetHost: async (input: { host: string }) => nothingThere(input.host),
      resetHost: async (input: { host: string }) => {
        if (input.host === 'worker-1') throw permanent('worker-1: `systemctl stop kubelet` exited 1');
        return { host: input.host };
      },
    });
    const { err, progress } = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('resetCluster', {
        taskQueue: TASK_QUEUE,
        workflowId: 'runner-reset-fails',
        args: [{ cluster, approvedBy: 'alice' }],
      });
      return {
        err: await failureOf(handle, 'reset-fails-after-changes.json'),
        progress: await progressOf(handle),
      };
    });
    assert.ok(err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'ResetFailed');
    assert.match(
      err.cause.message,
      /^reset stopped in phase reset: .*systemctl stop kubelet.*run hakube reset again/s,
    );
    assert.equal(progress.status, 'failed');
    assert.ok(progress.warnings.some((w) => w.includes('run hakube reset again')));
  },
);

/** Two control-plane hosts with an apiserver certificate due: the rollout goes master-1, then master-2. */
const dueRows: CertReportRow[] = ['master-1', 'master-2'].map((host) => ({
  host,
  path: '/etc/kubernetes/pki/apiserver.crt',
  profile: `certs/apiserver/${host}`,
  sans: [],
  status: 'renew-soon',
  daysLeft: 10,
}));

function rotationStandIns(calls: Calls, restart: (input: { host: string }) => Promise<unknown>): StandIns {
  return {
    ...standIns(calls, ['keepCertificatesAside', 'restoreCertificates', 'checkApiserverReady']),
    checkHostCertificates: async (input: { host: string }) => dueRows.filter((r) => r.host === input.host),
    renewCertificates: async (input: { host: string }) => {
      calls.push(`renewCertificates ${input.host}`);
      return [
        { profile: `certs/apiserver/${input.host}`, path: '/x', serial: '0a', notAfter: '', renewed: true },
      ];
    },
    restartServices: async (input: { host: string }) => {
      calls.push(`restartServices ${input.host}`);
      return restart(input);
    },
    servedCertificates: async () => [{ port: 6443, serial: '0a' }],
  };
}

test(
  'a host whose gate fails gets its previous certificates back and the hosts after it are not touched',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const calls: Calls = [];
    let restarts = 0;
    const worker = await standInWorker(
      env,
      TASK_QUEUE,
      rotationStandIns(calls, async () => {
        restarts += 1;
        // The first restart (master-1 on its new certificate) does not come back.
        if (restarts === 1) throw permanent('master-1: kube-apiserver did not start');
        return {};
      }),
    );
    const err = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('rotateCertificates', {
        taskQueue: TASK_QUEUE,
        workflowId: 'runner-rotation-gate-fails',
        args: [{ cluster, approvedBy: 'alice' }],
      });
      return failureOf(handle, 'rotate-certificates-gate-fails.json');
    });
    assert.ok(err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'RotationFailed');
    assert.match(err.cause.message, /previous certificates are back in place.*not touched: master-2/);
    assert.deepEqual(
      calls.filter((c) => !c.startsWith('checkHostCertificates')),
      [
        'keepCertificatesAside master-1',
        'renewCertificates master-1',
        'restartServices master-1',
        'restoreCertificates master-1',
        'restartServices master-1',
      ],
    );
  },
);

test(
  'a rotation cancelled while a host restarts still puts that host back, then ends cancelled',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const calls: Calls = [];
    let restarts = 0;
    let restarting: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (restarting = resolve));
    const worker = await standInWorker(
      env,
      TASK_QUEUE,
      rotationStandIns(calls, async () => {
        restarts += 1;
        if (restarts > 1) return {};
        restarting();
        // Hangs until cancelled; the heartbeat is how the cancellation reaches it.
        for (;;) {
          Context.current().heartbeat();
          await Context.current().sleep(200);
        }
      }),
    );
    const { err, progress } = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('rotateCertificates', {
        taskQueue: TASK_QUEUE,
        workflowId: 'runner-rotation-cancelled',
        args: [{ cluster, approvedBy: 'alice' }],
      });
      await started;
      await handle.cancel();
      return {
        err: await failureOf(handle, 'rotate-certificates-cancelled.json'),
        progress: await progressOf(handle),
      };
    });
    assert.ok(err.cause instanceof CancelledFailure, String(err.cause));
    assert.equal(progress.status, 'cancelled');
    assert.deepEqual(calls.slice(-2), ['restoreCertificates master-1', 'restartServices master-1']);
    assert.ok(!calls.some((c) => c.endsWith('master-2')), calls.join(', '));
  },
);

test(
  'the scheduled certificate check approves serving CSRs first and fails on any finding',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const calls: Calls = [];
    const worker = await standInWorker(env, TASK_QUEUE, {
      approveServingCsrs: done(calls, 'approveServingCsrs', { approved: ['csr-1'], refused: [] }),
      checkHostCertificates: async (input: { host: string }) => {
        calls.push(`checkHostCertificates ${input.host}`);
        if (input.host === 'worker-1') throw permanent('worker-1: connection refused');
        return dueRows.filter((r) => r.host === input.host);
      },
    });
    const { err, progress } = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('checkCertificates', {
        taskQueue: TASK_QUEUE,
        workflowId: 'runner-certs-check',
        args: [{ cluster, failOnFindings: true, approveServingCsrs: true }],
      });
      return {
        err: await failureOf(handle, 'check-certificates-findings.json'),
        progress: await progressOf(handle),
      };
    });
    assert.equal(calls[0], 'approveServingCsrs master-1');
    assert.ok(err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'CertificatesNeedAttention');
    // Two certificates due, and the host that could not be read is a finding too.
    assert.match(err.cause.message, /^3 certificate\(s\) need attention/);
    assert.deepEqual(
      progress.phases.map((p) => `${p.name}:${p.status}`),
      ['approve:done', 'hosts:done', 'report:done'],
    );
  },
);

test(
  'a rollback of a restore stops, puts the old data dirs back, and starts behind its gates',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const calls: Calls = [];
    const worker = await standInWorker(env, TASK_QUEUE, {
      ...standIns(calls, ['stopServices', 'startServices', 'checkEtcdHealth', 'checkApiserverReady']),
      rollbackEtcdMember: async (input: { host: string }) => {
        calls.push(`rollbackEtcdMember ${input.host}`);
        return { host: input.host, outcome: input.host === 'master-3' ? 'untouched' : 'rolled-back' };
      },
    });
    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('etcdRestoreRollback', {
        taskQueue: TASK_QUEUE,
        workflowId: 'runner-restore-rollback',
        args: [{ cluster, restoreWorkflowId: 'restore-pki', restoreRunId: 'r1' }],
      });
      const r = await handle.result();
      await recordIfAsked('etcd-restore-rollback-stand-ins.json', handle);
      return r as { members: { host: string; outcome: string }[] };
    });
    assert.deepEqual(
      result.members.map((m) => `${m.host}:${m.outcome}`),
      ['master-1:rolled-back', 'master-2:rolled-back', 'master-3:untouched'],
    );
    const order = calls.map((c) => c.split(' ')[0]).filter((c, i, a) => a.indexOf(c) === i);
    assert.deepEqual(order, [
      'stopServices',
      'rollbackEtcdMember',
      'startServices',
      'checkEtcdHealth',
      'checkApiserverReady',
    ]);
  },
);

test(
  'each join of `node add` schedules exactly the steps its dry-run plan prints',
  { skip: noTestServer(), timeout: 180_000 },
  async () => {
    const calls: Calls = [];
    const addressOf = (host: string) => cluster.spec.hosts.find((h) => h.name === host)?.address ?? '';
    const worker = await standInWorker(env, TASK_QUEUE, {
      ...standIns(
        calls,
        [
          ...[
            'checkApiserverReady',
            'prepareOs',
            'ensureBinaries',
            'ensureHostCertificates',
            'ensureEtcdMember',
          ],
          ...['checkEtcdHealth', 'ensureApiserver', 'ensureControllers', 'ensureHaproxy', 'ensureKeepalived'],
          ...['checkEndpoint', 'ensureContainerd', 'ensureKubelet', 'ensureKubeProxy', 'ensureHostsFile'],
        ],
        { prepareOs: { warnings: [] } },
      ),
      gatherFacts: async (input: { host: string }) =>
        healthy(input.host, { addresses: ['127.0.0.1', addressOf(input.host)], vipAnswers: true }),
      ensureEtcdMemberAdded: async () => ({ memberId: 'a1', added: true, initialCluster: 'x', members: 3 }),
      ensureEtcdMemberPromoted: async () => ({ memberId: 'a1', promoted: true }),
      checkNodeRegistered: async () => ({ ready: 'True' }),
      approveServingCsrs: async () => ({ approved: ['csr-1'], refused: [] }),
    });
    const nodes = ['master-3', 'worker-1'];
    const joined = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('addNodes', {
        taskQueue: TASK_QUEUE,
        workflowId: 'runner-add-nodes',
        args: [{ cluster: withBundle, nodes }],
      });
      await completed(handle);
      await recordIfAsked('add-nodes-stand-ins.json', handle);
      return Promise.all(
        nodes.map(async (node) => {
          const join = env.client.workflow.getHandle(workflowIdFor('join', cluster.metadata.name, node));
          if (node === 'master-3') await recordIfAsked('join-control-plane-stand-ins.json', join);
          return { node, progress: await progressOf(join) };
        }),
      );
    });
    const batch = joinBatch(cluster, nodes);
    for (const { node, progress } of joined) {
      const view = clusterForJoin(cluster, batch, node);
      const plan = planPhases(JOIN_PHASES, { cluster: view, node: hostByName(view, node) });
      const keyed = (s: { key: string; host?: string }) => `${s.key}@${s.host ?? ''}`;
      assert.deepEqual(
        progress.phases.flatMap((p) => p.steps.map(keyed)).sort(),
        plan.flatMap((p) => (p.steps ?? []).map(keyed)).sort(),
        `the join of ${node} ran other steps than its plan`,
      );
      assert.deepEqual(
        progress.phases.map((p) => `${p.name}:${p.status}`),
        plan.map((p) => `${p.name}:${p.skipped ? 'skipped' : 'done'}`),
      );
    }
  },
);
