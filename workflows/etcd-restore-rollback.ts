// etcdRestoreRollback: puts back what a failed (or unwanted) restore changed. Stop the control
// plane and etcd, move each member's data dir from before the restore back into place (the
// restored one is kept aside too), start etcd behind a health gate, then the control plane.
// Members the restore never reached are left as they are. Started by `hakube restore --rollback`.
import { ApplicationFailure } from '@temporalio/workflow';
import type { MemberRollbackResult } from '../activities/backup/etcd-restore';
import type { Cluster } from '../cluster/spec';
import { etcdHosts } from '../cluster/topology';
import { startControlPlaneAndGate, startEtcdAndGate, stopControlPlaneAndEtcd } from './restore/services';
import { acts, runOnEach } from './shared/activities';
import { OperationTracker } from './shared/tracker';

export const ROLLBACK_PHASES = [
  { name: 'stop', title: 'Stop the control plane and etcd' },
  { name: 'put-back', title: 'Put the data dirs from before the restore back' },
  { name: 'start-etcd', title: 'Start etcd and wait until healthy' },
  { name: 'control-plane', title: 'Start the control plane' },
];

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

export async function etcdRestoreRollback(input: RollbackInput): Promise<RollbackResult> {
  const { cluster } = input;
  const t = new OperationTracker('restore-rollback', cluster.metadata.name, ROLLBACK_PHASES);
  const timeout = input.healthTimeoutMs ?? 5 * 60_000;
  try {
    await t.phase('stop', () => stopControlPlaneAndEtcd(t, 'stop', cluster));
    const members = await t.phase('put-back', () =>
      runOnEach(
        t,
        'put-back',
        etcdHosts(cluster),
        { key: 'put-back', title: 'old data dir back in place' },
        acts.rollbackEtcdMember,
        (h) => ({ cluster, host: h.name, runId: input.restoreRunId }),
      ),
    );
    await t.phase('start-etcd', () => startEtcdAndGate(t, 'start-etcd', cluster, timeout));
    await t.phase('control-plane', () => startControlPlaneAndGate(t, 'control-plane', cluster, timeout));
    for (const m of members)
      if (m.marker && m.outcome === 'rolled-back')
        t.progress.warnings.push(`${m.host}: the restored data dir is kept as ${m.marker.failed}`);
    t.finish('completed');
    return { restoreWorkflowId: input.restoreWorkflowId, members };
  } catch (err) {
    t.finish('failed', err instanceof Error ? err.message : String(err));
    throw err instanceof ApplicationFailure
      ? err
      : ApplicationFailure.create({ message: String(err), cause: err as Error });
  }
}
