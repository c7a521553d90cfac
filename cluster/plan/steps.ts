// Step descriptors: the key and title of each step, written once. The workflow runs a step under
// this key (its progress entry and its activity's summary in the Web UI) and `--dry-run` prints
// the same descriptor, so the plan and the run cannot drift apart. Pure.
import type { PlannedStep } from './phases';

const on = (key: string, title: string, host: string): PlannedStep => ({ key, title, host });

export const steps = {
  gatherFacts: (host: string) => on(`preflight/facts/${host}`, 'gather facts', host),
  evaluatePreflight: (): PlannedStep => ({ key: 'preflight/evaluate', title: 'evaluate every check' }),
  prepareOs: (host: string) => on(`os/prepare/${host}`, 'swap, sysctls, modules, limits, /etc/hosts', host),
  binaries: (host: string) => on(`artifacts/binaries/${host}`, 'upload the binaries its roles need', host),
  authorities: (host: string) =>
    on('certs/authorities', 'CAs and service-account key on the first control-plane host', host),
  hostCertificates: (host: string, phase = 'certs') =>
    on(`${phase}/host/${host}`, 'certificates and kubeconfigs', host),
  etcdFormed: (host: string) =>
    on('etcd/formed', 'is the cluster formed? (a re-run restarts members one at a time)', host),
  startEtcdMember: (host: string) => on(`etcd/start-member/${host}`, 'start etcd member', host),
  etcdHealthy: (host: string) => on('etcd/health', 'every member healthy', host),
  haproxy: (host: string) => on(`endpoint/haproxy/${host}`, 'haproxy frontend', host),
  keepalived: (host: string) => on(`endpoint/keepalived/${host}`, 'keepalived VRRP', host),
  vipAnswers: (host: string) => on('endpoint/vip', 'the VIP answers on the LB port', host),
  apiserver: (host: string) => on(`control-plane/apiserver/${host}`, 'kube-apiserver', host),
  readyzThroughEndpoint: (host: string) =>
    on('control-plane/readyz', 'apiserver /readyz through the endpoint', host),
  controllers: (host: string) =>
    on(`control-plane/controllers/${host}`, 'kube-controller-manager and kube-scheduler', host),
  bootstrapRbac: (host: string) =>
    on('control-plane/rbac', 'RBAC for kubelet bootstrap and CSR approval', host),
  nodeComponents: (phase: string, host: string) =>
    on(`${phase}/join/${host}`, 'containerd, kubelet (TLS bootstrap), kube-proxy', host),
  nodesRegistered: (): PlannedStep => ({ key: 'nodes/registered', title: 'every node registered' }),
  addons: (host: string) =>
    on('addons/apply', 'CNI, CoreDNS, node-local DNS, metrics-server, serving-cert approver', host),
  // Joining a host to a running cluster (cluster/plan/join.ts)
  clusterAnswers: (host: string) =>
    on('preflight/cluster-answers', 'the cluster answers /readyz through its endpoint', host),
  etcdMemberAdd: (node: string, via: string) =>
    on(`etcd/member-add/${node}`, 'etcdctl member add --learner (only if absent)', via),
  startJoiningMember: (node: string) =>
    on(`etcd/start-member/${node}`, 'start the member (initial-cluster-state existing)', node),
  etcdPromote: (node: string, via: string) =>
    on(`etcd/promote/${node}`, 'promote the learner once it has caught up', via),
  etcdQuorum: (node: string) => on('etcd/health', 'every member healthy (quorum)', node),
  ownReadyz: (host: string) => on(`control-plane/readyz/${host}`, 'its own apiserver answers /readyz', host),
  nodeRegistered: (node: string) => on(`node/registered/${node}`, 'the Node object is registered', node),
  servingCertificate: (node: string, via: string) =>
    on(`node/serving-cert/${node}`, "approve its kubelet's serving certificate", via),
  // Shared by joins and removals (workflows/steps/endpoint.ts, workflows/steps/apiservers.ts)
  endpointHaproxy: (phase: string, host: string) =>
    on(`${phase}/haproxy/${host}`, 'haproxy backends (reload)', host),
  endpointKeepalived: (phase: string, host: string) =>
    on(`${phase}/keepalived/${host}`, 'keepalived peers (reload)', host),
  endpointAnswers: (phase: string, host: string, via: string) =>
    on(`${phase}/answers/${host}`, 'the endpoint answers', via),
  rolledApiserver: (phase: string, host: string) =>
    on(`${phase}/apiserver/${host}`, 'kube-apiserver --etcd-servers', host),
  rolledReadyz: (phase: string, host: string) =>
    on(`${phase}/readyz/${host}`, 'its apiserver answers /readyz', host),
};

/** The load balancers of `hosts` updated one at a time, the endpoint answering (via `gate`) after each. */
export const endpointUpdateSteps = (phase: string, hosts: string[], gate: string): PlannedStep[] =>
  hosts.flatMap((h) => [
    steps.endpointHaproxy(phase, h),
    steps.endpointKeepalived(phase, h),
    steps.endpointAnswers(phase, h, gate),
  ]);

/** Apiservers restarted one at a time on new certificates, each behind its own /readyz. */
export const apiserverRollSteps = (phase: string, hosts: string[]): PlannedStep[] =>
  hosts.flatMap((h) => [
    steps.hostCertificates(h, phase),
    steps.rolledApiserver(phase, h),
    steps.rolledReadyz(phase, h),
  ]);
