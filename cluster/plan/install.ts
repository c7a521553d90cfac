// The install runbook's phases in order, each with the steps it runs and the hosts they touch.
// Pure: the workflow runs these declarations (workflows/install-cluster.ts), `hakube install
// --dry-run` prints them, and progress is keyed by them.
import type { Cluster } from '../spec';
import { controlPlaneHosts, etcdHosts, nodeHosts, primaryControlPlane } from '../topology';
import { planPhases, type PhaseDecl, type PhaseSelection, type PlannedPhase } from './phases';
import { steps } from './steps';

export interface InstallPlanInput {
  cluster: Cluster;
}

const names = (hosts: { name: string }[]) => hosts.map((h) => h.name);
const keepalived = (c: Cluster) => c.spec.controlPlaneEndpoint.mode === 'keepalived';

export const INSTALL_PHASES = [
  {
    name: 'preflight',
    title: 'Preflight checks',
    steps: ({ cluster }) => [...names(cluster.spec.hosts).map(steps.gatherFacts), steps.evaluatePreflight()],
  },
  {
    name: 'os',
    title: 'OS preparation',
    steps: ({ cluster }) => names(cluster.spec.hosts).map(steps.prepareOs),
  },
  {
    name: 'artifacts',
    title: 'Binaries',
    steps: ({ cluster }) => names(cluster.spec.hosts).map(steps.binaries),
  },
  {
    name: 'certs',
    title: 'Certificates and kubeconfigs',
    steps: ({ cluster }) => [
      steps.authorities(primaryControlPlane(cluster).name),
      ...names(cluster.spec.hosts).map((h) => steps.hostCertificates(h)),
    ],
  },
  {
    name: 'etcd',
    title: 'etcd cluster',
    steps: ({ cluster }) => [
      steps.etcdFormed(etcdHosts(cluster)[0].name),
      ...names(etcdHosts(cluster)).map(steps.startEtcdMember),
      steps.etcdHealthy(etcdHosts(cluster)[0].name),
    ],
  },
  {
    name: 'endpoint',
    title: 'API endpoint (haproxy + keepalived)',
    notApplicable: ({ cluster }) => (keepalived(cluster) ? undefined : 'external load balancer'),
    steps: ({ cluster }) => [
      ...names(controlPlaneHosts(cluster)).map(steps.haproxy),
      ...names(controlPlaneHosts(cluster)).map(steps.keepalived),
      steps.vipAnswers(primaryControlPlane(cluster).name),
    ],
  },
  {
    name: 'control-plane',
    title: 'Control plane',
    steps: ({ cluster }) => [
      // The first apiserver alone, behind its own /readyz, then the others together (the
      // workflow's startControlPlane says why).
      ...names(controlPlaneHosts(cluster)).flatMap((h, i) =>
        i === 0 ? [steps.apiserver(h), steps.ownReadyz(h)] : [steps.apiserver(h)],
      ),
      steps.readyzThroughEndpoint(primaryControlPlane(cluster).name),
      ...names(controlPlaneHosts(cluster)).map(steps.controllers),
      steps.bootstrapRbac(primaryControlPlane(cluster).name),
    ],
  },
  {
    name: 'nodes',
    title: 'Nodes (containerd, kubelet, kube-proxy)',
    steps: ({ cluster }) => [
      ...names(nodeHosts(cluster)).map((h) => steps.nodeComponents('nodes', h)),
      steps.nodesRegistered(),
    ],
  },
  {
    name: 'addons',
    title: 'Add-ons',
    steps: ({ cluster }) => [steps.addons(primaryControlPlane(cluster).name)],
  },
] as const satisfies readonly PhaseDecl<InstallPlanInput>[];

export type InstallPhase = (typeof INSTALL_PHASES)[number]['name'];

export function installPlan(cluster: Cluster, sel: PhaseSelection = {}): PlannedPhase[] {
  return planPhases(INSTALL_PHASES, { cluster }, sel);
}
