// What a restore and its rollback share: take the control plane and etcd down, bring
// etcd up behind a health gate, then the control plane behind /readyz through the endpoint.
import type { Cluster } from '../../cluster/spec';
import { controlPlaneHosts, etcdHosts } from '../../cluster/topology';
import { acts, gateOptions, runOnEach, runStep } from '../shared/activities';
import type { OperationTracker } from '../shared/tracker';

export const CONTROL_PLANE_UNITS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

/** Control plane first (it is etcd's client), then every etcd member. */
export async function stopControlPlaneAndEtcd(t: OperationTracker, phase: string, cluster: Cluster) {
  await runOnEach(
    t,
    phase,
    controlPlaneHosts(cluster),
    { key: 'stop/control-plane', title: 'stop controllers, apiserver' },
    acts.stopServices,
    // Controllers first, while their apiserver still answers (they hand back their leases).
    (h) => ({ cluster, host: h.name, units: [...CONTROL_PLANE_UNITS].reverse() }),
  );
  await runOnEach(
    t,
    phase,
    etcdHosts(cluster),
    { key: 'stop/etcd', title: 'stop etcd' },
    acts.stopServices,
    (h) => ({ cluster, host: h.name, units: ['etcd'] }),
  );
}

/** Starts every member together (they wait for each other), then waits until all are healthy. */
export async function startEtcdAndGate(
  t: OperationTracker,
  phase: string,
  cluster: Cluster,
  timeoutMs: number,
): Promise<void> {
  const members = etcdHosts(cluster);
  await runOnEach(t, phase, members, { key: 'start/etcd', title: 'start etcd' }, acts.startServices, (h) => ({
    cluster,
    host: h.name,
    units: ['etcd'],
  }));
  await runStep(
    t,
    phase,
    { key: 'gate/etcd', title: `all ${members.length} members healthy`, host: members[0].name },
    acts.checkEtcdHealth,
    [{ cluster, host: members[0].name, expectMembers: members.length }],
    gateOptions(timeoutMs),
  );
}

export async function startControlPlaneAndGate(
  t: OperationTracker,
  phase: string,
  cluster: Cluster,
  timeoutMs: number,
): Promise<void> {
  const hosts = controlPlaneHosts(cluster);
  await runOnEach(
    t,
    phase,
    hosts,
    { key: 'start/control-plane', title: 'start apiserver, controllers' },
    acts.startServices,
    (h) => ({ cluster, host: h.name, units: CONTROL_PLANE_UNITS }),
  );
  await runStep(
    t,
    phase,
    { key: 'gate/readyz', title: '/readyz through the API endpoint', host: hosts[0].name },
    acts.checkApiserverReady,
    [{ cluster, host: hosts[0].name }],
    gateOptions(timeoutMs),
  );
}
