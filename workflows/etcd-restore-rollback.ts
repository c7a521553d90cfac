// etcdRestoreRollback: puts back what a failed (or unwanted) restore changed. Stop the control
// plane and etcd, move each member's data dir from before the restore back into place (the
// restored one is kept aside too), start etcd behind a health gate, then the control plane.
// Members the restore never reached are left as they are. Started by `hakube restore --rollback`.
import type { MemberRollbackResult } from '../activities/backup/etcd-restore';
import { ErrorTypes } from '../cluster/errors';
import { ROLLBACK_PHASES } from '../cluster/plan/restore';
import type { Cluster } from '../cluster/spec';
import { etcdHosts } from '../cluster/topology';
import { acts, runOnEach } from './shared/activities';
import { Operation, withBodies, type OperationRun } from './shared/operation';
import {
  startControlPlaneAndGate,
  startEtcdAndGate,
  stopControlPlaneAndEtcd,
} from './steps/control-plane-services';

export interface RollbackInput {
  cluster: Cluster;
  /** The restore's workflow id (for the record) and the run whose changes are undone. */
  restoreWorkflowId: string;
  restoreRunId: string;
  healthTimeoutMs?: number;
}

export interface RollbackResult {
  restoreWorkflowId: string;
  members: MemberRollbackResult[];
}

interface RollbackRun extends OperationRun {
  input: RollbackInput;
  cluster: Cluster;
  timeoutMs: number;
  members: MemberRollbackResult[];
}

async function putBack(run: RollbackRun): Promise<void> {
  const { t, cluster, input } = run;
  run.members = await runOnEach(
    t,
    'put-back',
    etcdHosts(cluster),
    { key: 'put-back', title: 'old data dir back in place' },
    acts.rollbackEtcdMember,
    (h) => ({ cluster, host: h.name, runId: input.restoreRunId }),
  );
}

function sayWhereRestoredDataIs({ t, members }: RollbackRun): void {
  for (const m of members)
    if (m.marker && m.outcome === 'rolled-back')
      t.progress.warnings.push(`${m.host}: the restored data dir is kept as ${m.marker.failed}`);
}

const PHASES = withBodies<(typeof ROLLBACK_PHASES)[number]['name'], RollbackRun>(ROLLBACK_PHASES, {
  stop: ({ t, cluster }) => stopControlPlaneAndEtcd(t, 'stop', cluster),
  'put-back': putBack,
  'start-etcd': ({ t, cluster, timeoutMs }) => startEtcdAndGate(t, 'start-etcd', cluster, timeoutMs),
  'control-plane': ({ t, cluster, timeoutMs }) =>
    startControlPlaneAndGate(t, 'control-plane', cluster, timeoutMs),
});

export async function etcdRestoreRollback(input: RollbackInput): Promise<RollbackResult> {
  const { cluster } = input;
  const op = new Operation<RollbackRun>('restore-rollback', cluster.metadata.name, PHASES, {
    failureType: ErrorTypes.RestoreFailed,
    conclude: sayWhereRestoredDataIs,
  });
  const run: RollbackRun = {
    t: op.t,
    input,
    cluster,
    timeoutMs: input.healthTimeoutMs ?? 5 * 60_000,
    members: [],
  };
  await op.run(run);
  return { restoreWorkflowId: input.restoreWorkflowId, members: run.members };
}
