// A member about to restart hands etcd leadership on first, so writes never wait for an
// election (certificate and CA rotations; the upgrade will do the same).
import type { Cluster } from '../../cluster/spec';
import { acts, gateOptions, runStep } from '../shared/activities';
import type { OperationTracker } from '../shared/tracker';

export function moveEtcdLeadershipOff(
  t: OperationTracker,
  phase: string,
  cluster: Cluster,
  host: string,
  timeoutMs: number,
): Promise<unknown> {
  return runStep(
    t,
    phase,
    { key: `${phase}/etcd-leader/${host}`, title: 'move etcd leadership off it if it leads', host },
    acts.ensureEtcdNotLeader,
    [{ cluster, host }],
    gateOptions(timeoutMs),
  );
}
