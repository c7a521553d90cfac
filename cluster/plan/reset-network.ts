// The network state a cluster leaves on a node, which a reset removes: the iptables chains of
// kube-proxy, kubelet, the CNI plugins and flannel or calico (and the rules that jump to them), the
// pod network's interfaces, kube-proxy's IPVS virtual servers and the node-local DNS address on
// the loopback. kubeadm's own reset leaves all of it, and a node joined again with stale rules and
// a bridge holding the old gateway fails. Pure: the activity (activities/host/reset-network.ts)
// prints the facts, these functions read them and say what to remove.
import { cidrContains, parseCidr, parseIPv4 } from '../net';
import type { Cluster } from '../spec';
import {
  clusterChainsIn,
  isIptablesTool,
  parseIptablesSave,
  summariseChains,
  type IptablesTool,
  type TableFinding,
} from './reset-iptables';

/** kube-proxy's NodePort range (cluster/render/control-plane.ts: service-node-port-range). */
export const NODE_PORT_RANGE: readonly [number, number] = [30000, 32767];

/**
 * Interfaces of the cluster's pod network and services: flannel's bridge and VXLAN device,
 * calico's VXLAN device, kube-proxy's IPVS dummy, and upstream node-local-dns's dummy (hakube's
 * cache binds an address on lo instead, but a cluster may have run upstream's).
 */
export const CLUSTER_LINKS = ['cni0', 'flannel.1', 'vxlan.calico', 'kube-ipvs0', 'nodelocaldns'];
/** calico's pod-side veths: `cali` and 11 hex digits (left when a pod's CNI DEL did not run). */
const CALICO_VETH = /^cali[0-9a-f]{11}$/;
/** An interface name read back from a host (IFNAMSIZ: 15 characters). */
const LINK_NAME = /^[A-Za-z0-9_.-]{1,15}$/;

export interface NetworkResetPlan {
  /** Prefixes of the cluster's iptables chains. */
  chainPrefixes: string[];
  links: string[];
  calicoVeths: boolean;
  /** kube-proxy ran in IPVS mode: its virtual servers are those of the service CIDR, of kube-ipvs0's addresses and of NodePorts. */
  ipvs?: { serviceCIDR: string };
  /** node-local DNS's address on lo (`<ip>/32`), put there by kubelet's unit. */
  loopbackAddress?: string;
}

export function networkResetPlan(c: Cluster): NetworkResetPlan {
  const { cni, proxyMode, serviceCIDR, nodeLocalDNS } = c.spec.network;
  // KUBE-: kube-proxy and kubelet; CNI-: the bridge and portmap plugins (flannel and calico both use portmap).
  const chainPrefixes = ['KUBE-', 'CNI-'];
  if (cni === 'flannel') chainPrefixes.push('FLANNEL-');
  if (cni === 'calico') chainPrefixes.push('cali-');
  return {
    chainPrefixes,
    links: [...CLUSTER_LINKS],
    calicoVeths: cni === 'calico',
    ...(proxyMode === 'ipvs' ? { ipvs: { serviceCIDR } } : {}),
    ...(nodeLocalDNS ? { loopbackAddress: `${nodeLocalDNS}/32` } : {}),
  };
}

export type IpvsProtocol = 'tcp' | 'udp' | 'sctp';
export interface VirtualServer {
  protocol: IpvsProtocol;
  address: string;
  port: number;
}
export const virtualServerText = (v: VirtualServer) => `${v.address}:${v.port}/${v.protocol}`;

export interface IptablesFinding extends TableFinding {
  tool: IptablesTool;
}

/** What of the cluster's network state is on a host. */
export interface NetworkInspection {
  /** The save tools read (each backend and family the host has). */
  iptablesTools: string[];
  iptables: IptablesFinding[];
  links: string[];
  /** The node-local DNS address, when lo has it. */
  loopbackAddress?: string;
  /** Only when kube-proxy ran in IPVS mode. */
  ipvs?: { ipvsadm: boolean; servers: VirtualServer[] };
  /** What could not be read, or was read back and refused. */
  notes: string[];
}

/** The inspection's output: `@@hakube <section> [<arg>]` lines, each followed by a command's output. */
export const SECTION_MARK = '@@hakube ';

export function splitSections(text: string): { name: string; arg: string; body: string }[] {
  const out: { name: string; arg: string; lines: string[] }[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(SECTION_MARK)) {
      const [name = '', arg = ''] = line.slice(SECTION_MARK.length).trim().split(' ');
      out.push({ name, arg, lines: [] });
    } else out.at(-1)?.lines.push(line);
  }
  return out.map((s) => ({ name: s.name, arg: s.arg, body: s.lines.join('\n') }));
}

/** Interface names from `ip -o link show` (`7: cali0123456789a@if3: <…> …`), validated. */
export function parseLinkNames(text: string, refused: string[] = []): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+([^:\s]+):/.exec(line);
    if (!m) continue;
    const name = m[1].split('@')[0];
    if (LINK_NAME.test(name)) names.push(name);
    else refused.push(`interface ${JSON.stringify(name.slice(0, 40))}`);
  }
  return names;
}

/** IPv4 addresses per interface from `ip -o -4 address show` (`1: lo    inet 127.0.0.1/8 scope …`). */
export function parseAddresses(text: string): { link: string; cidr: string }[] {
  const out: { link: string; cidr: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+([A-Za-z0-9_.@-]{1,32})\s+inet\s+(\d{1,3}(?:\.\d{1,3}){3}\/\d{1,2})\s/.exec(line);
    if (m && parseIPv4(m[2].split('/')[0]) !== undefined) out.push({ link: m[1].split('@')[0], cidr: m[2] });
  }
  return out;
}

/** IPv4 virtual servers from `ipvsadm -S -n` (`-A -t 10.96.0.1:443 -s rr`); real servers are not needed. */
export function parseIpvsSave(text: string): VirtualServer[] {
  const flags: Record<string, IpvsProtocol> = { '-t': 'tcp', '-u': 'udp', '--sctp-service': 'sctp' };
  const out: VirtualServer[] = [];
  for (const line of text.split('\n')) {
    const m = /^-A (-t|-u|--sctp-service) (\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})(?: |$)/.exec(line.trim());
    if (!m || parseIPv4(m[2]) === undefined) continue;
    const port = Number(m[3]);
    if (port >= 1 && port <= 65535) out.push({ protocol: flags[m[1]], address: m[2], port });
  }
  return out;
}

/**
 * kube-proxy's virtual servers: a Service's ClusterIP (in the service CIDR), an external or load
 * balancer IP (bound to kube-ipvs0), or a NodePort on one of the node's own addresses. A user's
 * virtual server elsewhere is not touched.
 */
export function kubeProxyServers(
  servers: VirtualServer[],
  serviceCIDR: string,
  addresses: { link: string; cidr: string }[],
): VirtualServer[] {
  const cidr = parseCidr(serviceCIDR);
  const ip = (a: string) => a.split('/')[0];
  const onIpvsDummy = new Set(addresses.filter((a) => a.link === 'kube-ipvs0').map((a) => ip(a.cidr)));
  const local = new Set(addresses.map((a) => ip(a.cidr)));
  const [low, high] = NODE_PORT_RANGE;
  return servers.filter((v) => {
    const n = parseIPv4(v.address);
    if (n !== undefined && cidr && cidrContains(cidr, n)) return true;
    if (onIpvsDummy.has(v.address)) return true;
    return local.has(v.address) && v.port >= low && v.port <= high;
  });
}

/** Reads the inspection script's output (activities/host/reset-network.ts) against the plan. */
export function parseNetworkInspection(plan: NetworkResetPlan, output: string): NetworkInspection {
  const seen: NetworkInspection = { iptablesTools: [], iptables: [], links: [], notes: [] };
  let addresses: { link: string; cidr: string }[] = [];
  let servers: VirtualServer[] | undefined;
  let ipvsadm = false;
  for (const s of splitSections(output)) {
    if (s.name === 'iptables' && isIptablesTool(s.arg)) {
      seen.iptablesTools.push(s.arg);
      const save = parseIptablesSave(s.body);
      for (const line of save.refused) seen.notes.push(`${s.arg}-save: not read: ${line.slice(0, 120)}`);
      for (const f of clusterChainsIn(save, plan.chainPrefixes)) seen.iptables.push({ tool: s.arg, ...f });
    } else if (s.name === 'iptables-failed' && isIptablesTool(s.arg)) {
      seen.notes.push(`${s.arg}-save failed: ${s.body.trim().slice(0, 200)}`);
    } else if (s.name === 'links') {
      const refused: string[] = [];
      const names = parseLinkNames(s.body, refused);
      seen.links = names.filter((n) => plan.links.includes(n) || (plan.calicoVeths && CALICO_VETH.test(n)));
      seen.notes.push(...refused.map((r) => `${r}: not a name hakube acts on`));
    } else if (s.name === 'addresses') {
      addresses = parseAddresses(s.body);
    } else if (s.name === 'ipvs') {
      ipvsadm = true;
      servers = parseIpvsSave(s.body);
    }
  }
  const lo = plan.loopbackAddress;
  if (lo && addresses.some((a) => a.link === 'lo' && a.cidr === lo)) seen.loopbackAddress = lo;
  if (plan.ipvs)
    seen.ipvs = {
      ipvsadm,
      servers: ipvsadm ? kubeProxyServers(servers ?? [], plan.ipvs.serviceCIDR, addresses) : [],
    };
  return seen;
}

function iptablesText(f: IptablesFinding): string {
  return `${f.tool} ${f.table}: ${summariseChains(f.chains)}`;
}

/** The plan's lines for one host's network state (what the reset step removes). */
export function networkPlanLines(host: string, seen: NetworkInspection): string[] {
  const lines: string[] = [];
  const chains = seen.iptables.filter((f) => f.chains.length);
  const jumps = seen.iptables.reduce((n, f) => n + f.jumps.length, 0);
  if (chains.length)
    lines.push(
      `${host}: delete the cluster's iptables chains (${chains.map(iptablesText).join('; ')})` +
        (jumps ? ` and the ${jumps} rule(s) of other chains that jump to them` : ''),
    );
  else if (jumps) lines.push(`${host}: delete ${jumps} iptables rule(s) that jump to the cluster's chains`);
  if (seen.links.length) lines.push(`${host}: delete interfaces ${seen.links.join(', ')}`);
  if (seen.loopbackAddress) lines.push(`${host}: remove node-local DNS's ${seen.loopbackAddress} from lo`);
  if (seen.ipvs && !seen.ipvs.ipvsadm)
    lines.push(
      `${host}: ipvsadm is not installed: kube-proxy's IPVS virtual servers are not checked or cleared`,
    );
  else if (seen.ipvs?.servers.length)
    lines.push(
      `${host}: clear kube-proxy's ${seen.ipvs.servers.length} IPVS virtual server(s) (${seen.ipvs.servers.map(virtualServerText).join(', ')})`,
    );
  if (!lines.length) lines.push(`${host}: no iptables chain, interface or IPVS server of the cluster found`);
  for (const n of seen.notes) lines.push(`${host}: ${n}`);
  return lines;
}

/** The cluster's network state still on a host after its reset. */
export function networkLeftovers(seen: NetworkInspection): string[] {
  const left: string[] = [];
  for (const f of seen.iptables) {
    if (f.chains.length)
      left.push(`${f.tool} ${f.table} chains ${summariseChains(f.chains)} are still there`);
    for (const j of f.jumps) left.push(`${f.tool} ${f.table} rule ${j.slice(0, 160)} is still there`);
  }
  for (const l of seen.links) left.push(`interface ${l} is still there`);
  if (seen.loopbackAddress) left.push(`${seen.loopbackAddress} is still on lo`);
  for (const v of seen.ipvs?.servers ?? [])
    left.push(`IPVS virtual server ${virtualServerText(v)} is still there`);
  return left;
}
