// runOperation: the one way an operation runs its phases. Phases are declared once as data
// (cluster/plan/phases.ts) and given a body here; the runner owns what every operation used to
// write for itself: progress (the query, the Web UI's details, the HakubePhase search attribute),
// skipping by rule or by --only/--skip-phases, the approval gate with its timeout, and the
// failure ending, including the hint a person needs once the cluster was changed.
//
// Determinism: the runner issues the same commands in the same order as the hand-written loops
// it replaced (a phase start upserts HakubePhase, a skipped phase issues nothing), so histories
// recorded before it still replay (test/workflows/replay.test.ts).
import { ApplicationFailure, CancellationScope, isCancellation } from '@temporalio/workflow';
import type { ErrorType } from '../../cluster/errors';
import { skipReason, type PhaseDecl, type PhaseSelection } from '../../cluster/plan/phases';
import type { Decision } from '../../cluster/progress';
import { ApprovalGate } from './approval';
import { failedPhase, failOperation, failureText, notApproved } from './outcome';
import { OperationTracker } from './tracker';

/** How long an operation waits for a person's decision unless its input says otherwise. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 30 * 60_000;

/** What a person reads before deciding. */
export interface ApprovalRequest {
  question: string;
  plan: string[];
}

/** What the run state of every operation carries. */
export interface OperationRun {
  t: OperationTracker;
}

/** How a phase runs: steps, or (for an approval phase) the question a person answers. */
export type PhaseBody<R> = ((run: R) => Promise<unknown>) | { approve: (run: R) => ApprovalRequest };

export interface Phase<R> extends PhaseDecl<R> {
  readonly body: PhaseBody<R>;
  /** From this phase on the cluster is changed: a failure ends with the operation's `afterChanges` hint. */
  readonly changes?: boolean;
}

/** Gives each declared phase its body; the record's keys are checked against the declared names. */
export function withBodies<N extends string, R>(
  decls: readonly (PhaseDecl<R> & { readonly name: N })[],
  bodies: Record<N, PhaseBody<R>>,
  changesFrom?: N,
): Phase<R>[] {
  const from = changesFrom ? decls.findIndex((d) => d.name === changesFrom) : -1;
  return decls.map((d, i) => ({ ...d, body: bodies[d.name], changes: from >= 0 && i >= from }));
}

export interface OperationOptions<R> {
  /** The failure type of an error that is not an ApplicationFailure already (the run ends with it). */
  failureType: ErrorType;
  /** What a person needs when the run failed after a `changes` phase started (how to finish or undo). */
  afterChanges?: (run: R) => string;
  /** Checks after the last phase (a join that left nodes out, findings of a check); may throw. */
  conclude?: (run: R) => unknown;
}

export interface RunOptions extends PhaseSelection {
  /** Who approved in advance (--yes); without it an approval phase waits for a decision. */
  approvedBy?: string;
  approvalTimeoutMs?: number;
}

export class Operation<R extends OperationRun> {
  readonly t: OperationTracker;
  private readonly gate?: ApprovalGate;
  private changed = false;

  /** Registers progress (and, when a phase needs one, the decision handlers) at once. */
  constructor(
    readonly name: string,
    cluster: string,
    private readonly phases: readonly Phase<R>[],
    private readonly options: OperationOptions<R>,
    approvers?: readonly string[],
  ) {
    this.t = new OperationTracker(name, cluster, phases);
    if (phases.some((p) => p.approval)) this.gate = new ApprovalGate(this.t.progress, approvers);
  }

  /** The decision the approval phase recorded (undefined before it, or without one). */
  get decision(): Decision | undefined {
    return this.gate?.lastDecision;
  }

  /**
   * A decision asked for inside a phase (an upgrade's wave, a failed gate): waits at most
   * `timeoutMs` like an approval phase and returns what was decided (undefined: timed out).
   * Needs an approval phase among the operation's phases (that is what registers the handlers).
   */
  async ask(
    question: string,
    plan: string[],
    timeoutMs: number,
    opts: { autoApprovedBy?: string; choices?: string[] } = {},
  ): Promise<Decision | undefined> {
    if (!this.gate)
      throw new Error(`${this.name} declares no approval phase, so it cannot ask for a decision`);
    const outcome = await this.gate.wait(question, plan, timeoutMs, opts.autoApprovedBy, opts.choices);
    return outcome === 'timed-out' ? undefined : this.gate.lastDecision;
  }

  /** Runs every phase in order; ends the progress as completed, or fails the run with its outcome. */
  async run(run: R, opts: RunOptions = {}): Promise<void> {
    try {
      for (const phase of this.phases) {
        const skip = skipReason(phase, run, opts);
        if (skip) {
          this.t.skipPhase(phase.name, skip.reason, !skip.chosen);
          continue;
        }
        if (phase.changes) this.changed = true;
        await this.t.phase(phase.name, () => this.runBody(phase, run, opts));
      }
      this.options.conclude?.(run);
    } catch (err) {
      this.fail(run, err);
    }
    this.t.finish('completed');
  }

  private async runBody(phase: Phase<R>, run: R, opts: RunOptions): Promise<unknown> {
    if (typeof phase.body === 'function') return phase.body(run);
    if (!this.gate) throw new Error(`phase ${phase.name} asks for approval but is not declared as one`);
    const { question, plan } = phase.body.approve(run);
    const outcome = await this.gate.wait(
      question,
      plan,
      opts.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
      opts.approvedBy,
    );
    const refused = notApproved(outcome, this.gate.lastDecision);
    if (refused) throw refused;
  }

  private fail(run: R, err: unknown): never {
    const { afterChanges, failureType } = this.options;
    if (!this.changed || !afterChanges) failOperation(this.t, err, failureType);
    const message = failureText(err);
    const hint = afterChanges(run);
    this.t.progress.warnings.push(hint);
    if (isCancellation(err)) {
      this.t.finish('cancelled', `${message}. ${hint}`);
      throw err;
    }
    this.t.finish('failed', `${message}. ${hint}`);
    throw ApplicationFailure.create({
      type: failureType,
      message: `${this.name} stopped in phase ${failedPhase(this.t)}: ${message}. ${hint}`,
      nonRetryable: true,
      cause: err instanceof Error ? err : undefined,
    });
  }
}

/**
 * Puts back what a failed step changed. It runs even when the operation is being cancelled: a
 * cancelled rotation must not leave a host half-renewed, so its undo is not cancelled with it.
 */
export function undo<T>(fn: () => Promise<T>): Promise<T> {
  return CancellationScope.nonCancellable(fn);
}
