// selfTest: the smallest real operation. It proves a worker is polling and activities run,
// and exercises the approval gate and the progress model that every operation shares.
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { WorkerInfo } from '../activities/worker-info';
import { ErrorTypes } from '../cluster/errors';
import type { Decision } from '../cluster/progress';
import { Operation, withBodies, type OperationRun } from './shared/operation';

export interface SelfTestInput {
  cluster: string;
  /** Wait for a person's approval (tests the approval path); times out after approvalTimeoutMs. */
  requireApproval?: boolean;
  approvalTimeoutMs?: number;
  /** Only these may decide (as spec.approvals.approvers does for cluster operations). */
  approvers?: string[];
  /** Hold the workflow open this long (durable timer): used to prove a server restart loses nothing. */
  holdMs?: number;
}

export interface SelfTestResult {
  worker: WorkerInfo;
  decision?: Decision;
}

const { describeWorker } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

interface SelfTestRun extends OperationRun {
  input: SelfTestInput;
  worker?: WorkerInfo;
}

const SELF_TEST_PHASES = [
  { name: 'worker', title: 'Reach a worker' },
  {
    name: 'approval',
    title: 'Wait for approval',
    approval: true,
    notApplicable: ({ input }: SelfTestRun) => (input.requireApproval ? undefined : 'not requested'),
  },
  {
    name: 'hold',
    title: 'Hold',
    notApplicable: ({ input }: SelfTestRun) => (input.holdMs ? undefined : 'not requested'),
  },
] as const;

const PHASES = withBodies<(typeof SELF_TEST_PHASES)[number]['name'], SelfTestRun>(SELF_TEST_PHASES, {
  worker: async (run) => {
    run.worker = await run.t.step('worker', { key: 'worker/describe', title: 'Describe the worker' }, () =>
      describeWorker(),
    );
  },
  approval: { approve: () => ({ question: 'Continue the self-test?', plan: ['finish the self-test'] }) },
  hold: ({ input }) => sleep(input.holdMs ?? 0),
});

export async function selfTest(input: SelfTestInput): Promise<SelfTestResult> {
  const op = new Operation<SelfTestRun>(
    'selftest',
    input.cluster,
    PHASES,
    { failureType: ErrorTypes.OperationFailed },
    input.approvers,
  );
  const run: SelfTestRun = { t: op.t, input };
  await op.run(run, { approvalTimeoutMs: input.approvalTimeoutMs ?? 10 * 60_000 });
  if (!run.worker) throw new Error('no worker described itself');
  return { worker: run.worker, decision: op.decision };
}
