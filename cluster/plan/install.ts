// The install plan: phases in runbook order, each with its steps and the hosts they touch.
// Pure: the workflow runs it, `hakube install --dry-run` prints it, progress is keyed by it.
import type { Cluster } from '../spec';
import { controlPlaneHosts, etcdHosts, nodeHosts } from '../topology';

export const INSTALL_PHASES = [
  { name: 'preflight', title: 'Preflight checks' },
  { name: 'os', title: 'OS preparation' },
  { name: 'artifacts', title: 'Binaries' },
  { name: 'certs', title: 'Certificates and kubeconfigs' },
  { name: 'etcd', title: 'etcd cluster' },
  { name: 'endpoint', title: 'API endpoint (haproxy + keepalived)' },
  { name: 'control-plane', title: 'Control plane' },
  { name: 'nodes', title: 'Nodes (containerd, kubelet, kube-proxy)' },
  { name: 'addons', title: 'Add-ons' },
] as const;

export type InstallPhase = (typeof INSTALL_PHASES)[number]['name'];

export interface PlannedStep {
  key: string;
  title: string;
  host?: string;
}

export interface PlannedPhase {
  name: InstallPhase;
  title: string;
  steps: PlannedStep[];
  skipped?: string;
}

export interface PlanOptions {
  skipPhases?: string[];
  onlyPhases?: string[];
}

const perHost = (prefix: string, title: string, hosts: { name: string }[]): PlannedStep[] =>
  hosts.map((h) => ({ key: `${prefix}/${h.name}`, title: `${title} on ${h.name}`, host: h.name }));

export function stepsOf(c: Cluster, phase: InstallPhase): PlannedStep[] {
  const all = c.spec.hosts;
  const cps = controlPlaneHosts(c);
  const nodes = nodeHosts(c);
  switch (phase) {
    case 'preflight':
      return [
        ...perHost('preflight/facts', 'gather facts', all),
        { key: 'preflight/evaluate', title: 'evaluate every check' },
      ];
    case 'os':
      return perHost('os/prepare', 'swap, sysctls, modules, limits, /etc/hosts', all);
    case 'artifacts':
      return perHost('artifacts/binaries', 'upload the binaries its roles need', all);
    case 'certs':
      return [
        {
          key: 'certs/authorities',
          title: 'CAs and service-account key on the first control-plane host',
          host: cps[0]?.name,
        },
        ...perHost('certs/host', 'certificates and kubeconfigs', all),
      ];
    case 'etcd':
      return [
        ...perHost('etcd/start-member', 'start etcd member', etcdHosts(c)),
        { key: 'etcd/health', title: 'every member healthy' },
      ];
    case 'endpoint':
      if (c.spec.controlPlaneEndpoint.mode !== 'keepalived') return [];
      return [
        ...perHost('endpoint/haproxy', 'haproxy frontend', cps),
        ...perHost('endpoint/keepalived', 'keepalived VRRP', cps),
        { key: 'endpoint/vip', title: 'the VIP answers on the LB port' },
      ];
    case 'control-plane':
      return [
        ...perHost('control-plane/apiserver', 'kube-apiserver', cps),
        { key: 'control-plane/readyz', title: 'apiserver /readyz through the endpoint' },
        ...perHost('control-plane/controllers', 'kube-controller-manager and kube-scheduler', cps),
        { key: 'control-plane/rbac', title: 'RBAC for kubelet bootstrap and CSR approval' },
      ];
    case 'nodes':
      return [
        ...perHost('nodes/join', 'containerd, kubelet (TLS bootstrap), kube-proxy', nodes),
        { key: 'nodes/registered', title: 'every node registered' },
      ];
    case 'addons':
      return [
        { key: 'addons/apply', title: 'CNI, CoreDNS, node-local DNS, metrics-server, serving-cert approver' },
      ];
  }
}

export function installPlan(c: Cluster, opts: PlanOptions = {}): PlannedPhase[] {
  return INSTALL_PHASES.map((p) => {
    const skipped =
      opts.onlyPhases?.length && !opts.onlyPhases.includes(p.name)
        ? 'not in --only'
        : opts.skipPhases?.includes(p.name)
          ? 'in --skip-phases'
          : p.name === 'endpoint' && c.spec.controlPlaneEndpoint.mode === 'external'
            ? 'external load balancer'
            : undefined;
    return { name: p.name, title: p.title, steps: skipped ? [] : stepsOf(c, p.name), skipped };
  });
}

export function formatPlan(plan: PlannedPhase[]): string[] {
  const lines: string[] = [];
  plan.forEach((p, i) => {
    lines.push(`${i + 1}. ${p.title} [${p.name}]${p.skipped ? ` — skipped (${p.skipped})` : ''}`);
    for (const s of p.steps) lines.push(`     ${s.key}  ${s.title}`);
  });
  return lines;
}
