// How one activity execution ended, as the step metrics label it. Pure, so it is unit-tested.
import { CancelledFailure } from '@temporalio/common';

export type StepOutcome = 'completed' | 'failed' | 'cancelled';

/**
 * `cancelled` when the attempt was cancelled (its signal aborted: the workflow gave up on it, the
 * worker shut down, a heartbeat timed out), whatever error the cancelled code threw on the way
 * out — an SSH command ended by the signal fails with its own error, not CancelledFailure.
 */
export function stepOutcome(
  result: { ok: true } | { ok: false; error: unknown },
  aborted: boolean,
): StepOutcome {
  if (result.ok) return 'completed';
  if (aborted || result.error instanceof CancelledFailure) return 'cancelled';
  return 'failed';
}
