// Joining nodes to a running cluster: which phases a host's roles need, the order in which a
// batch of nodes joins (control-plane hosts one at a time, then workers in parallel), and the
// view of the cluster each join sees (hosts still waiting their turn are left out, so haproxy
// backends and apiservers' etcd lists only name members that exist). Pure.
import type { Cluster, HostSpec } from '../spec';
import { controlPlaneHosts, etcdHosts, primaryControlPlane } from '../topology';
import type { PhaseDecl } from './phases';
import { apiserverRollSteps, endpointUpdateSteps, steps } from './steps';

/** The names of `hosts` other than `node`. */
const othersThan = (hosts: HostSpec[], node: HostSpec): string[] =>
  hosts.filter((h) => h.name !== node.name).map((h) => h.name);

export interface JoinPlanInput {
  cluster: Cluster;
  node: HostSpec;
}

const skippedFor =
  (phase: JoinPhaseName) =>
  ({ cluster, node }: JoinPlanInput) =>
    joinPhaseSkipped(cluster, node, phase);

type JoinPhaseName =
  'preflight' | 'os' | 'artifacts' | 'certs' | 'etcd' | 'control-plane' | 'endpoint' | 'apiservers' | 'node';

export const JOIN_PHASES = [
  {
    name: 'preflight',
    title: 'Preflight of the new host',
    steps: ({ cluster, node }) => [
      steps.clusterAnswers(primaryControlPlane(cluster).name),
      steps.gatherFacts(node.name),
      steps.evaluatePreflight(),
    ],
  },
  { name: 'os', title: 'OS preparation', steps: ({ node }) => [steps.prepareOs(node.name)] },
  { name: 'artifacts', title: 'Binaries', steps: ({ node }) => [steps.binaries(node.name)] },
  {
    name: 'certs',
    title: 'Certificates and kubeconfigs',
    steps: ({ node }) => [steps.hostCertificates(node.name)],
  },
  {
    name: 'etcd',
    title: 'Join etcd (a learner first, a voter once caught up)',
    notApplicable: skippedFor('etcd'),
    steps: ({ cluster, node }) => {
      const via = othersThan(etcdHosts(cluster), node)[0] ?? '';
      return [
        steps.etcdMemberAdd(node.name, via),
        steps.startJoiningMember(node.name),
        steps.etcdPromote(node.name, via),
        steps.etcdQuorum(node.name),
      ];
    },
  },
  {
    name: 'control-plane',
    title: 'Control plane on the new host',
    notApplicable: skippedFor('control-plane'),
    steps: ({ node }) => [
      steps.apiserver(node.name),
      steps.ownReadyz(node.name),
      steps.controllers(node.name),
    ],
  },
  {
    name: 'endpoint',
    title: 'Load balancer backends and VRRP peers (one host at a time)',
    notApplicable: skippedFor('endpoint'),
    steps: ({ cluster, node }) =>
      endpointUpdateSteps(
        'endpoint',
        [node.name, ...othersThan(controlPlaneHosts(cluster), node)],
        primaryControlPlane(cluster).name,
      ),
  },
  {
    name: 'apiservers',
    title: 'Other apiservers: certificate SANs and etcd members updated (one host at a time)',
    notApplicable: skippedFor('apiservers'),
    steps: ({ cluster, node }) =>
      apiserverRollSteps('apiservers', othersThan(controlPlaneHosts(cluster), node)),
  },
  {
    name: 'node',
    title: 'containerd, kubelet (TLS bootstrap), kube-proxy',
    notApplicable: skippedFor('node'),
    steps: ({ cluster, node }) => [
      steps.nodeComponents('node', node.name),
      steps.nodeRegistered(node.name),
      steps.servingCertificate(node.name, primaryControlPlane(cluster).name),
    ],
  },
] as const satisfies readonly (PhaseDecl<JoinPlanInput> & { name: JoinPhaseName })[];

export interface AddNodesPlanInput {
  cluster: Cluster;
  nodes: string[];
}

/** The phases of `hakube node add`: the joins themselves are child workflows (one per node). */
export const ADD_NODES_PHASES = [
  {
    name: 'control-plane',
    title: 'Control-plane and etcd hosts, one at a time',
    notApplicable: ({ cluster, nodes }) =>
      joinBatch(cluster, nodes).serial.length ? undefined : 'no control-plane or etcd host to join',
  },
  {
    name: 'workers',
    title: 'Workers, in parallel',
    notApplicable: ({ cluster, nodes }) =>
      joinBatch(cluster, nodes).parallel.length ? undefined : 'no worker to join',
  },
  { name: 'hosts-file', title: '/etc/hosts on every host' },
] as const satisfies readonly PhaseDecl<AddNodesPlanInput>[];

export type JoinPhase = (typeof JOIN_PHASES)[number]['name'];

export const joinsEtcd = (h: HostSpec): boolean => h.roles.includes('etcd');
export const joinsControlPlane = (h: HostSpec): boolean => h.roles.includes('control-plane');
export const runsKubelet = (h: HostSpec): boolean =>
  h.roles.includes('worker') || h.roles.includes('control-plane');

/** Why a phase does not apply to this host (undefined when it runs). */
export function joinPhaseSkipped(c: Cluster, host: HostSpec, phase: JoinPhaseName): string | undefined {
  switch (phase) {
    case 'etcd':
      return joinsEtcd(host) ? undefined : 'not an etcd host';
    case 'control-plane':
      return joinsControlPlane(host) ? undefined : 'not a control-plane host';
    case 'endpoint':
      if (!joinsControlPlane(host)) return 'not a control-plane host';
      return c.spec.controlPlaneEndpoint.mode === 'keepalived' ? undefined : 'external load balancer';
    case 'apiservers':
      return joinsEtcd(host) || joinsControlPlane(host) ? undefined : 'neither SANs nor etcd members change';
    case 'node':
      return runsKubelet(host) ? undefined : 'runs no kubelet';
    default:
      return undefined;
  }
}

/** The spec without some hosts (the view of a cluster in which they have not joined yet, or have left). */
export function withoutHosts(c: Cluster, names: string[]): Cluster {
  return { ...c, spec: { ...c.spec, hosts: c.spec.hosts.filter((h) => !names.includes(h.name)) } };
}

export interface JoinBatch {
  /** Hosts with etcd or control-plane roles: membership changes go one at a time. */
  serial: string[];
  /** Workers: in parallel, up to the concurrency limit. */
  parallel: string[];
}

/** Problems with the requested nodes (unknown, repeated, the first control-plane host); empty when fine. */
export function joinRequestProblems(c: Cluster, nodes: string[]): string[] {
  const problems: string[] = [];
  if (nodes.length === 0) problems.push('name at least one node (--node NAME)');
  const seen = new Set<string>();
  for (const n of nodes) {
    if (seen.has(n)) problems.push(`${n} is named twice`);
    seen.add(n);
    const h = c.spec.hosts.find((x) => x.name === n);
    if (!h) problems.push(`${n} is not a host of the spec (add it to spec.hosts first)`);
    else if (h.name === primaryControlPlane(c)?.name)
      problems.push(`${n} is the first control-plane host: it is set up by \`hakube install\`, not joined`);
  }
  return problems;
}

export function joinBatch(c: Cluster, nodes: string[]): JoinBatch {
  const hosts = c.spec.hosts.filter((h) => nodes.includes(h.name));
  const serial = hosts.filter((h) => joinsEtcd(h) || joinsControlPlane(h)).map((h) => h.name);
  return { serial, parallel: hosts.filter((h) => !serial.includes(h.name)).map((h) => h.name) };
}

/** The cluster as the join of `node` sees it: serial joins still waiting after it are left out. */
export function clusterForJoin(c: Cluster, batch: JoinBatch, node: string): Cluster {
  const i = batch.serial.indexOf(node);
  return i < 0 ? c : withoutHosts(c, batch.serial.slice(i + 1));
}
