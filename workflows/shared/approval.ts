// Human approval before a risky step (DESIGN rule 6). A decision arrives as the `decide`
// Update (the caller learns at once whether it was taken) or as `approve` / `reject` signals
// with `{ by, reason }` so a person can also decide from the Web UI or `temporal workflow signal`.
import { condition, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';
import { SIGNAL_APPROVE, SIGNAL_REJECT, UPDATE_DECIDE } from '../../cluster/operations';
import type { Decision, OperationProgress } from '../../cluster/progress';
import { workflowNow, workflowNowPlus } from './clock';

export interface DecisionInput {
  approve: boolean;
  by: string;
  reason?: string;
}

export interface DecisionResult {
  outcome: 'approved' | 'rejected';
  by: string;
  reason?: string;
}

export interface SignalDecision {
  by?: string;
  reason?: string;
}

export const decideUpdate = defineUpdate<DecisionResult, [DecisionInput]>(UPDATE_DECIDE);
export const approveSignal = defineSignal<[SignalDecision?]>(SIGNAL_APPROVE);
export const rejectSignal = defineSignal<[SignalDecision?]>(SIGNAL_REJECT);

export type ApprovalOutcome = 'approved' | 'rejected' | 'timed-out';

/** Registers the decision handlers once; `wait` opens a window in which a decision is accepted. */
export class ApprovalGate {
  private decision: Decision | undefined;

  constructor(private readonly progress: OperationProgress) {
    setHandler(decideUpdate, (input) => this.record(input), {
      validator: (input) => {
        if (!this.progress.waiting) throw new Error('this operation is not waiting for an approval');
        if (!input || typeof input.by !== 'string' || input.by.trim() === '')
          throw new Error('say who decides (by)');
        if (!input.approve && !input.reason?.trim()) throw new Error('a rejection needs a reason');
      },
    });
    // Signals cannot be refused, so a signal arriving while nothing waits is ignored (and logged by the SDK).
    setHandler(approveSignal, (s) => {
      if (this.progress.waiting) this.record({ approve: true, by: s?.by || 'signal', reason: s?.reason });
    });
    setHandler(rejectSignal, (s) => {
      if (this.progress.waiting)
        this.record({ approve: false, by: s?.by || 'signal', reason: s?.reason || 'rejected by signal' });
    });
  }

  private record(input: DecisionInput): DecisionResult {
    const decision: Decision = {
      approved: input.approve,
      by: input.by,
      reason: input.reason,
      at: workflowNow().toISOString(),
      question: this.progress.waiting?.question,
      plan: this.progress.waiting?.plan,
    };
    this.decision = decision;
    this.progress.decisions.push(decision);
    this.progress.waiting = undefined;
    return { outcome: input.approve ? 'approved' : 'rejected', by: input.by, reason: input.reason };
  }

  /** Waits for a decision at most `timeoutMs`; `autoApprovedBy` (e.g. from --yes) skips the wait. */
  async wait(
    question: string,
    plan: string[],
    timeoutMs: number,
    autoApprovedBy?: string,
  ): Promise<ApprovalOutcome> {
    this.decision = undefined;
    if (autoApprovedBy) {
      this.progress.waiting = { question, plan, since: now(), deadline: now() };
      this.record({ approve: true, by: autoApprovedBy, reason: 'approved in advance (--yes)' });
      return 'approved';
    }
    this.progress.waiting = {
      question,
      plan,
      since: now(),
      deadline: workflowNowPlus(timeoutMs).toISOString(),
    };
    const previousStatus = this.progress.status;
    this.progress.status = 'waiting-for-approval';
    const decided = await condition(() => this.decision !== undefined, timeoutMs);
    this.progress.status = previousStatus;
    if (!decided) {
      this.progress.waiting = undefined;
      return 'timed-out';
    }
    // Read through the getter: TypeScript cannot see that the handlers assigned it meanwhile.
    return this.lastDecision?.approved ? 'approved' : 'rejected';
  }

  get lastDecision(): Decision | undefined {
    return this.decision;
  }
}

function now(): string {
  return workflowNow().toISOString();
}
