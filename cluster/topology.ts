// Who does what in a cluster: role membership and the addresses components dial.
// Pure helpers over a validated spec.
import type { Cluster, HostSpec, Role } from './spec';
import { firstServiceIP, parseCidr } from './net';

export function hostsWithRole(cluster: Cluster, role: Role): HostSpec[] {
  return cluster.spec.hosts.filter((h) => h.roles.includes(role));
}

export const controlPlaneHosts = (c: Cluster): HostSpec[] => hostsWithRole(c, 'control-plane');
export const etcdHosts = (c: Cluster): HostSpec[] => hostsWithRole(c, 'etcd');

/** Hosts that run kubelet + kube-proxy + containerd: workers, and control-plane hosts (registered as nodes). */
export function nodeHosts(c: Cluster): HostSpec[] {
  return c.spec.hosts.filter((h) => h.roles.includes('worker') || h.roles.includes('control-plane'));
}

export function hostByName(c: Cluster, name: string): HostSpec {
  const host = c.spec.hosts.find((h) => h.name === name);
  if (!host) throw new Error(`unknown host ${name}`);
  return host;
}

/** The first control-plane host: its PKI folder is the source of truth for CA keys. */
export function primaryControlPlane(c: Cluster): HostSpec {
  return controlPlaneHosts(c)[0];
}

/** VIP without prefix, and prefix length (default 24). */
export function vipParts(vip: string): { address: string; prefix: number } {
  const [address, prefix] = vip.split('/');
  return { address, prefix: prefix === undefined ? 24 : Number(prefix) };
}

/** host:port that kubelets, kube-proxy and admins use to reach the API (the VIP or the external LB). */
export function apiEndpoint(c: Cluster): { host: string; port: number; url: string } {
  const ep = c.spec.controlPlaneEndpoint;
  const host = ep.mode === 'keepalived' ? vipParts(ep.vip).address : ep.address;
  return { host, port: ep.port, url: `https://${host}:${ep.port}` };
}

export function apiserverPort(c: Cluster): number {
  return c.spec.controlPlaneEndpoint.apiserverPort;
}

export function etcdClientUrls(c: Cluster): string {
  return etcdHosts(c)
    .map((h) => `https://${h.address}:2379`)
    .join(',');
}

export function etcdInitialCluster(c: Cluster, members: HostSpec[] = etcdHosts(c)): string {
  return members.map((h) => `${h.name}=https://${h.address}:2380`).join(',');
}

export function kubernetesServiceIP(c: Cluster): string {
  const cidr = parseCidr(c.spec.network.serviceCIDR);
  if (!cidr) throw new Error(`invalid serviceCIDR ${c.spec.network.serviceCIDR}`);
  return firstServiceIP(cidr);
}

/** The DNS address kubelets hand to pods: the node-local cache when enabled, else the cluster DNS Service. */
export function podDnsAddress(c: Cluster): string {
  return c.spec.network.nodeLocalDNS ?? c.spec.network.clusterDNS;
}
