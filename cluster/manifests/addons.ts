// The add-ons an install applies, in order (the pod network first: nothing else gets a pod IP
// without it), each with the workloads that tell whether it runs.
import type { Cluster } from '../spec';
import { renderCalico } from './calico';
import { renderCoreDns } from './coredns';
import { renderFlannel } from './flannel';
import { METRICS_API_SERVICE, renderMetricsServer } from './metrics-server';
import { renderNodeLocalDns } from './node-local-dns';

export type AddonName = 'calico' | 'flannel' | 'coredns' | 'node-local-dns' | 'metrics-server';

export interface Workload {
  kind: 'DaemonSet' | 'Deployment';
  name: string;
  /** The pods' k8s-app label: where to look for why they are not ready. */
  app: string;
}

export interface Addon {
  name: AddonName;
  manifest: string;
  workloads: Workload[];
  apiServices: string[];
}

/** The add-on step's own time limit is 10 minutes: waiting must leave room for applying. */
export const MAX_ADDON_READY_TIMEOUT_MS = 8 * 60_000;

export const ADDON_NAMESPACE = 'kube-system';

export function addonsFor(c: Cluster): Addon[] {
  const out: Addon[] = [];
  if (c.spec.network.cni === 'calico') {
    out.push({
      name: 'calico',
      manifest: renderCalico(c),
      workloads: [
        { kind: 'DaemonSet', name: 'calico-node', app: 'calico-node' },
        { kind: 'Deployment', name: 'calico-kube-controllers', app: 'calico-kube-controllers' },
      ],
      apiServices: [],
    });
  }
  if (c.spec.network.cni === 'flannel') {
    out.push({
      name: 'flannel',
      manifest: renderFlannel(c),
      workloads: [{ kind: 'DaemonSet', name: 'kube-flannel', app: 'flannel' }],
      apiServices: [],
    });
  }
  out.push({
    name: 'coredns',
    manifest: renderCoreDns(c),
    workloads: [{ kind: 'Deployment', name: 'coredns', app: 'kube-dns' }],
    apiServices: [],
  });
  if (c.spec.network.nodeLocalDNS) {
    out.push({
      name: 'node-local-dns',
      manifest: renderNodeLocalDns(c),
      workloads: [{ kind: 'DaemonSet', name: 'node-local-dns', app: 'node-local-dns' }],
      apiServices: [],
    });
  }
  if (c.spec.addons.metricsServer.enabled) {
    out.push({
      name: 'metrics-server',
      manifest: renderMetricsServer(),
      workloads: [{ kind: 'Deployment', name: 'metrics-server', app: 'metrics-server' }],
      apiServices: [METRICS_API_SERVICE],
    });
  }
  return out;
}
