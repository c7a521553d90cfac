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
  /** The Temporal client identity the decision came through (recorded beside `by`). */
  identity?: string;
  /** One of the choices the wait offers beyond approve/reject (an upgrade's `roll-back`). */
  choice?: string;
}

export interface DecisionResult {
  outcome: 'approved' | 'rejected';
  by: string;
  reason?: string;
  choice?: string;
}

export interface SignalDecision {
  by?: string;
  reason?: string;
  choice?: string;
}

export const decideUpdate = defineUpdate<DecisionResult, [DecisionInput]>(UPDATE_DECIDE);
export const approveSignal = defineSignal<[SignalDecision?]>(SIGNAL_APPROVE);
export const rejectSignal = defineSignal<[SignalDecision?]>(SIGNAL_REJECT);

export type ApprovalOutcome = 'approved' | 'rejected' | 'timed-out';

/** Registers the decision handlers once; `wait` opens a window in which a decision is accepted. */
export class ApprovalGate {
  private decision: Decision | undefined;

  /** `approvers` (spec.approvals.approvers): when set, only they decide; anyone otherwise. */
  constructor(
    private readonly progress: OperationProgress,
    private readonly approvers?: readonly string[],
  ) {
    setHandler(decideUpdate, (input) => this.record(input), {
      validator: (input) => {
        if (!this.progress.waiting) throw new Error('this operation is not waiting for an approval');
        if (!input || typeof input.by !== 'string' || input.by.trim() === '')
          throw new Error('say who decides (by)');
        if (!this.mayDecide(input.by))
          throw new Error(`${input.by} is not an approver of this cluster (spec.approvals.approvers)`);
        if (!input.approve && !input.reason?.trim()) throw new Error('a rejection needs a reason');
        if (input.choice !== undefined && !this.offers(input.choice))
          throw new Error(
            this.progress.waiting.choices?.length
              ? `choose one of: ${this.progress.waiting.choices.join(', ')} (got "${input.choice}")`
              : `this decision offers no choice beyond approve or reject (got "${input.choice}")`,
          );
      },
    });
    // Signals cannot be refused: one arriving while nothing waits, or from someone who is not an
    // approver, is ignored (and logged by the SDK).
    setHandler(approveSignal, (s) => {
      const by = s?.by || 'signal';
      if (this.progress.waiting && this.mayDecide(by) && this.offered(s?.choice))
        this.record({ approve: true, by, reason: s?.reason, choice: s?.choice });
    });
    setHandler(rejectSignal, (s) => {
      const by = s?.by || 'signal';
      if (this.progress.waiting && this.mayDecide(by) && this.offered(s?.choice))
        this.record({ approve: false, by, reason: s?.reason || 'rejected by signal', choice: s?.choice });
    });
  }

  private offers(choice: string): boolean {
    return this.progress.waiting?.choices?.includes(choice) ?? false;
  }

  /** A signal's choice is absent or one the wait offers. */
  private offered(choice: string | undefined): boolean {
    return choice === undefined || this.offers(choice);
  }

  private mayDecide(by: string): boolean {
    return !this.approvers || this.approvers.includes(by);
  }

  private record(input: DecisionInput): DecisionResult {
    const decision: Decision = {
      approved: input.approve,
      by: input.by,
      reason: input.reason,
      at: workflowNow().toISOString(),
      ...(input.identity ? { identity: input.identity } : {}),
      ...(input.choice ? { choice: input.choice } : {}),
      question: this.progress.waiting?.question,
      plan: this.progress.waiting?.plan,
    };
    this.decision = decision;
    this.progress.decisions.push(decision);
    this.progress.waiting = undefined;
    return {
      outcome: input.approve ? 'approved' : 'rejected',
      by: input.by,
      reason: input.reason,
      ...(input.choice ? { choice: input.choice } : {}),
    };
  }

  /**
   * Waits for a decision at most `timeoutMs`; `autoApprovedBy` (e.g. from --yes) skips the wait.
   * `choices` are what a decision may pick beyond approve/reject (offered in the progress).
   */
  async wait(
    question: string,
    plan: string[],
    timeoutMs: number,
    autoApprovedBy?: string,
    choices?: string[],
  ): Promise<ApprovalOutcome> {
    this.decision = undefined;
    // Approved in advance only by an approver; anyone else's --yes waits for a decision like any run.
    if (autoApprovedBy && this.mayDecide(autoApprovedBy)) {
      this.progress.waiting = { question, plan, since: now(), deadline: now() };
      this.record({ approve: true, by: autoApprovedBy, reason: 'approved in advance (--yes)' });
      return 'approved';
    }
    this.progress.waiting = {
      question,
      plan,
      since: now(),
      deadline: workflowNowPlus(timeoutMs).toISOString(),
      ...(choices?.length ? { choices } : {}),
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
