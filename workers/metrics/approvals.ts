// What the approvals gauges show, from the open operations' progress. Pure: the poller
// (approvals-poller.ts) gathers the input. Every known operation gets a value, 0 when none
// waits, because a gauge keeps its last value until it is set again.
import { OPERATIONS } from '../../cluster/operations';

export interface OpenOperation {
  operation: string;
  /** When its approval wait began; undefined when it waits for nothing. */
  waitingSince?: Date;
}

export type ApprovalSummary = Record<string, { waiting: number; oldestWaitSeconds: number }>;

export function summarizeApprovals(open: readonly OpenOperation[], now: Date): ApprovalSummary {
  const summary: ApprovalSummary = {};
  for (const operation of OPERATIONS) summary[operation] = { waiting: 0, oldestWaitSeconds: 0 };
  for (const op of open) {
    if (!op.waitingSince) continue;
    const s = (summary[op.operation] ??= { waiting: 0, oldestWaitSeconds: 0 });
    s.waiting++;
    const waited = Math.max(0, (now.getTime() - op.waitingSince.getTime()) / 1000);
    s.oldestWaitSeconds = Math.max(s.oldestWaitSeconds, waited);
  }
  return summary;
}
