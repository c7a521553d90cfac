// Removing a node from a running cluster: the phases, what a person approves, and the
// requests that are refused before anything starts. Pure.
import type { Cluster, HostSpec } from '../spec';
import { controlPlaneHosts, primaryControlPlane } from '../topology';
import { joinsControlPlane, joinsEtcd, runsKubelet, withoutHosts } from './join';
import type { PhaseDecl } from './phases';

export interface RemovePlanInput {
  cluster: Cluster;
  node: HostSpec;
  /**
   * The host is down and stays down (`--host-down`): nothing is run on it. Its pods go with its
   * Node object, its etcd member is removed through the others, and it is reset once reachable.
   */
  hostDown?: boolean;
}

/** Why a phase is left out for a host that is down (its steps all run on it). */
const DOWN_SKIPS: Partial<Record<RemovePhaseName, string>> = {
  drain: 'the host is down: its pods are deleted with its Node',
  'control-plane': 'the host is down: its services are not reached',
};

type RemovePhaseName =
  | 'check'
  | 'approval'
  | 'drain'
  | 'endpoint'
  | 'control-plane'
  | 'etcd'
  | 'apiservers'
  | 'host'
  | 'hosts-file';

const skippedFor =
  (phase: RemovePhaseName) =>
  ({ cluster, node, hostDown }: RemovePlanInput) =>
    removePhaseSkipped(cluster, node, phase, hostDown);

export const REMOVE_PHASES = [
  { name: 'check', title: 'Check that the removal is safe (etcd quorum)' },
  { name: 'approval', title: 'Wait for approval', approval: true },
  { name: 'drain', title: 'Cordon and drain the node', notApplicable: skippedFor('drain') },
  {
    name: 'endpoint',
    title: 'Load balancers without it (one host at a time)',
    notApplicable: skippedFor('endpoint'),
  },
  { name: 'control-plane', title: 'Stop its control plane', notApplicable: skippedFor('control-plane') },
  {
    name: 'etcd',
    title: 'Remove its etcd member (leadership moved off first)',
    notApplicable: skippedFor('etcd'),
  },
  {
    name: 'apiservers',
    title: 'Apiservers: certificate SANs and etcd members without it (one host at a time)',
    notApplicable: skippedFor('apiservers'),
  },
  { name: 'host', title: 'Delete the Node; stop its services, move its data aside' },
  { name: 'hosts-file', title: '/etc/hosts on the hosts that stay' },
] as const satisfies readonly (PhaseDecl<RemovePlanInput> & { name: RemovePhaseName })[];

export type RemovePhase = (typeof REMOVE_PHASES)[number]['name'];

export function removePhaseSkipped(
  c: Cluster,
  host: HostSpec,
  phase: RemovePhaseName,
  hostDown = false,
): string | undefined {
  const down = hostDown ? DOWN_SKIPS[phase] : undefined;
  const skipped = removePhaseSkippedByRole(c, host, phase);
  return skipped ?? down;
}

function removePhaseSkippedByRole(c: Cluster, host: HostSpec, phase: RemovePhaseName): string | undefined {
  switch (phase) {
    case 'drain':
      return runsKubelet(host) ? undefined : 'runs no kubelet';
    case 'endpoint':
      if (!joinsControlPlane(host)) return 'not a control-plane host';
      return c.spec.controlPlaneEndpoint.mode === 'keepalived' ? undefined : 'external load balancer';
    case 'control-plane':
      return joinsControlPlane(host) ? undefined : 'not a control-plane host';
    case 'etcd':
      return joinsEtcd(host) ? undefined : 'not an etcd host';
    case 'apiservers':
      return joinsEtcd(host) || joinsControlPlane(host) ? undefined : 'neither SANs nor etcd members change';
    default:
      return undefined;
  }
}

/** Why `node` cannot be removed (empty when it can). */
export function removalRefusals(c: Cluster, node: string): string[] {
  const host = c.spec.hosts.find((h) => h.name === node);
  if (!host) return [`${node} is not a host of the spec`];
  if (host.name === primaryControlPlane(c)?.name)
    return [
      `${node} is the first control-plane host: it keeps the CA keys hakube issues certificates from; it cannot be removed`,
    ];
  if (joinsControlPlane(host) && controlPlaneHosts(c).length <= 1)
    return [`${node} is the last control-plane host`];
  return [];
}

/** The cluster after the removal. */
export const clusterWithout = (c: Cluster, node: string): Cluster => withoutHosts(c, [node]);

/** What a person approves, in order. */
export function removalPlan(
  c: Cluster,
  node: HostSpec,
  stamp: string,
  drainTimeoutSeconds: number,
  hostDown = false,
): string[] {
  if (hostDown) return removalPlanHostDown(c, node);
  const lines: string[] = [];
  const rest = controlPlaneHosts(clusterWithout(c, node.name)).map((h) => h.name);
  if (runsKubelet(node))
    lines.push(`cordon and drain ${node.name} (at most ${drainTimeoutSeconds} s; DaemonSet pods stay)`);
  if (joinsControlPlane(node) && c.spec.controlPlaneEndpoint.mode === 'keepalived')
    lines.push(`haproxy and keepalived on ${rest.join(', ')} without ${node.name}, one host at a time`);
  if (joinsControlPlane(node))
    lines.push(`stop kube-scheduler, kube-controller-manager, kube-apiserver on ${node.name}`);
  if (joinsEtcd(node))
    lines.push(
      `etcdctl member remove ${node.name} (leadership moved off it first), then every remaining member healthy`,
    );
  if (joinsEtcd(node) || joinsControlPlane(node))
    lines.push(
      `on ${rest.join(', ')}, one at a time: apiserver certificate without ${node.name} in its SANs, shorter --etcd-servers, restart`,
    );
  if (runsKubelet(node)) lines.push(`kubectl delete node ${node.name}`);
  lines.push(
    `on ${node.name}: stop and disable every hakube service, remove its units, move its data and configs aside to <path>.reset-${stamp} (nothing is deleted)`,
    `then remove ${node.name} from spec.hosts in your cluster file`,
  );
  return lines;
}

/** The plan for a host that is down: only the hosts that stay are changed. */
function removalPlanHostDown(c: Cluster, node: HostSpec): string[] {
  const lines = [`${node.name} is down: nothing is run on it (no drain, no stop, no reset)`];
  const rest = controlPlaneHosts(clusterWithout(c, node.name)).map((h) => h.name);
  if (joinsControlPlane(node) && c.spec.controlPlaneEndpoint.mode === 'keepalived')
    lines.push(`haproxy and keepalived on ${rest.join(', ')} without ${node.name}, one host at a time`);
  if (joinsEtcd(node))
    lines.push(
      `etcdctl member remove ${node.name} through the other members, then every remaining member healthy`,
    );
  if (joinsEtcd(node) || joinsControlPlane(node))
    lines.push(
      `on ${rest.join(', ')}, one at a time: apiserver certificate without ${node.name} in its SANs, shorter --etcd-servers, restart`,
    );
  if (runsKubelet(node))
    lines.push(`kubectl delete node ${node.name} (its pods are deleted with it and rescheduled)`);
  lines.push(
    `then remove ${node.name} from spec.hosts in your cluster file; keep the host off the network until ` +
      `\`hakube reset -f <a spec that still lists it> --node ${node.name}\` has run on it` +
      (joinsControlPlane(node) && c.spec.controlPlaneEndpoint.mode === 'keepalived'
        ? ' (its keepalived would claim the VIP)'
        : ''),
  );
  return lines;
}
