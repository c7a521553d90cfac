// selfTest: the smallest real operation. It proves a worker is polling and activities run,
// and exercises the approval gate and the progress model that every operation shares.
import { proxyActivities, sleep, ApplicationFailure } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { WorkerInfo } from '../activities/worker-info';
import type { Decision } from '../cluster/progress';
import { ApprovalGate } from './shared/approval';
import { OperationTracker } from './shared/tracker';

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

export async function selfTest(input: SelfTestInput): Promise<SelfTestResult> {
  const phases = [
    { name: 'worker', title: 'Reach a worker' },
    { name: 'approval', title: 'Wait for approval' },
    { name: 'hold', title: 'Hold' },
  ];
  const tracker = new OperationTracker('selftest', input.cluster, phases);
  const gate = new ApprovalGate(tracker.progress, input.approvers);

  const worker = await tracker.phase('worker', () =>
    tracker.step('worker', { key: 'worker/describe', title: 'Describe the worker' }, () => describeWorker()),
  );

  if (input.requireApproval) {
    const outcome = await tracker.phase('approval', () =>
      gate.wait('Continue the self-test?', ['finish the self-test'], input.approvalTimeoutMs ?? 10 * 60_000),
    );
    tracker.publish();
    if (outcome !== 'approved') {
      tracker.finish(outcome === 'rejected' ? 'rejected' : 'timed-out');
      throw ApplicationFailure.create({
        type: outcome === 'rejected' ? 'ApprovalRejected' : 'ApprovalTimedOut',
        message:
          outcome === 'rejected'
            ? `rejected by ${gate.lastDecision?.by}: ${gate.lastDecision?.reason}`
            : 'nobody approved in time',
        nonRetryable: true,
      });
    }
  } else tracker.skipPhase('approval', 'not requested');

  if (input.holdMs) await tracker.phase('hold', () => sleep(input.holdMs as number));
  else tracker.skipPhase('hold', 'not requested');

  tracker.finish('completed');
  return { worker, decision: gate.lastDecision };
}
