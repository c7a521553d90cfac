// What the operations gauge shows: for one operation, how many executions Temporal's visibility
// holds in each status (a count grouped by ExecutionStatus). Pure; every status gets a value,
// 0 when absent, so a gauge never keeps a stale count.
import type { CountWorkflowExecution } from '@temporalio/client';

export const EXECUTION_STATUSES = [
  'running',
  'completed',
  'failed',
  'canceled',
  'terminated',
  'continued_as_new',
  'timed_out',
] as const;

export type OperationCounts = { operation: string; status: string; count: number }[];

/** `TimedOut` → `timed_out`, `ContinuedAsNew` → `continued_as_new`. */
export function statusLabel(value: unknown): string {
  return String(value)
    .replace(/^WORKFLOW_EXECUTION_STATUS_/, '')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

export function operationCounts(operation: string, counted: CountWorkflowExecution): OperationCounts {
  const byStatus = new Map<string, number>(EXECUTION_STATUSES.map((s) => [s, 0]));
  for (const g of counted.groups) {
    const status = statusLabel(g.groupValues[0]);
    byStatus.set(status, (byStatus.get(status) ?? 0) + g.count);
  }
  return [...byStatus].map(([status, count]) => ({ operation, status, count }));
}
