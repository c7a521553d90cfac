// `hakube history CLUSTER`: finished operations as a table, newest first. Pure.
import type { OperationSummary } from './hakube-client';
import { formatDuration } from './watch-view';

/** The outcome people care about: the phase attribute ends as the operation's own status. */
export function outcomeOf(o: OperationSummary): string {
  if ((o.status === 'COMPLETED' || o.status === 'FAILED') && o.phase) return o.phase;
  return o.status.toLowerCase();
}

/** Finished operations (list order, newest first), at most `limit`. */
export function finishedOperations(ops: OperationSummary[], limit: number): OperationSummary[] {
  return ops.filter((o) => o.status !== 'RUNNING').slice(0, limit);
}

export function historyRows(ops: OperationSummary[], limit: number): string[][] {
  const rows = [['STARTED', 'OPERATION', 'OUTCOME', 'TOOK', 'WORKFLOW ID']];
  for (const o of finishedOperations(ops, limit))
    rows.push([
      o.startTime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      o.operation ?? o.type,
      outcomeOf(o),
      o.closeTime ? formatDuration(o.closeTime.getTime() - o.startTime.getTime()) : '',
      o.workflowId,
    ]);
  return rows;
}
