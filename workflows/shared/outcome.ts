// How an operation behind an approval ends: the failure for a rejection or a timeout (nothing
// changed), the outcome its progress records, and the text of a failure down its cause chain.
import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { ErrorTypes, type ErrorType } from '../../cluster/errors';
import type { Decision } from '../../cluster/progress';
import type { ApprovalOutcome } from './approval';
import type { OperationTracker } from './tracker';

/** The non-retryable failure that ends a run nobody approved; undefined when approved. */
export function notApproved(outcome: ApprovalOutcome, decision?: Decision): ApplicationFailure | undefined {
  if (outcome === 'approved') return undefined;
  return ApplicationFailure.create({
    type: outcome === 'rejected' ? ErrorTypes.ApprovalRejected : ErrorTypes.ApprovalTimedOut,
    message:
      outcome === 'rejected'
        ? `rejected by ${decision?.by}: ${decision?.reason}; nothing was changed`
        : 'nobody approved in time; nothing was changed',
    nonRetryable: true,
  });
}

/** The messages down the cause chain: an activity failure's own message says only which activity. */
export function failureText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 4; e = e.cause)
    if (e.message && !parts.includes(e.message)) parts.push(e.message);
  return parts.join(': ') || String(err);
}

export function outcomeOf(err: unknown): 'rejected' | 'timed-out' | 'failed' | 'cancelled' {
  if (isCancellation(err)) return 'cancelled';
  const type = err instanceof ApplicationFailure ? err.type : undefined;
  if (type === ErrorTypes.ApprovalRejected) return 'rejected';
  if (type === ErrorTypes.ApprovalTimedOut) return 'timed-out';
  return 'failed';
}

export function failedPhase(t: OperationTracker): string {
  return t.progress.phases.find((p) => p.status === 'failed')?.name ?? 'unknown';
}

/**
 * Ends an operation that failed: its progress records the outcome and why, and what is thrown is
 * an ApplicationFailure (a non-retryable `type` for anything else, so the run ends there, with
 * what failed kept as its cause).
 */
export function failOperation(t: OperationTracker, err: unknown, type: ErrorType): never {
  t.finish(outcomeOf(err), failureText(err));
  // A cancelled run ends as cancelled (what Temporal and the Web UI show), not as a failure.
  if (isCancellation(err)) throw err;
  throw err instanceof ApplicationFailure
    ? err
    : ApplicationFailure.create({
        type,
        message: failureText(err),
        nonRetryable: true,
        cause: err instanceof Error ? err : undefined,
      });
}
