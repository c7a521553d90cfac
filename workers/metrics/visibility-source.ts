// What the visibility-fed metrics read from Temporal: the open operations on the worker's task
// queue with their approval waits (the `progress` query: the wait is in the workflow's state,
// not in a search attribute), and per operation the executions by status.
import type { CountWorkflowExecution } from '@temporalio/client';
import { QUERY_PROGRESS } from '../../cluster/operations';
import type { OperationProgress } from '../../cluster/progress';
import { HakubeOperation } from '../../cluster/search-attributes';
import type { HakubeClient } from '../../client/hakube-client';
import type { OpenOperation } from './approvals';

export interface VisibilitySource {
  openOperations(): Promise<OpenOperation[]>;
  countByStatus(operation: string): Promise<CountWorkflowExecution>;
}

/** A query waits for a workflow task; one stuck operation must not stall the others' numbers. */
const QUERY_DEADLINE_MS = 10_000;

const quoted = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function visibilitySource(client: HakubeClient): VisibilitySource {
  const temporal = client.temporal;
  const onQueue = `TaskQueue = ${quoted(client.taskQueue)}`;
  return {
    async openOperations() {
      const open: OpenOperation[] = [];
      for await (const wf of temporal.workflow.list({
        query: `${onQueue} AND ExecutionStatus = 'Running'`,
      })) {
        const handle = temporal.workflow.getHandle(wf.workflowId, wf.runId);
        const progress = await temporal.connection
          .withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query<OperationProgress>(QUERY_PROGRESS))
          .catch(() => undefined);
        const since = progress?.waiting?.since;
        open.push({
          operation: wf.typedSearchAttributes.get(HakubeOperation) ?? progress?.operation ?? 'unknown',
          ...(since ? { waitingSince: new Date(since) } : {}),
        });
      }
      return open;
    },
    countByStatus(operation) {
      return temporal.workflow.count(
        `${onQueue} AND HakubeOperation = ${quoted(operation)} GROUP BY ExecutionStatus`,
      );
    },
  };
}
