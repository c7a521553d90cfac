// OS preparation files: the sysctls, kernel modules and limits of the runbooks, and /etc/hosts.
import type { Cluster } from '../spec';

export const KERNEL_MODULES_IPVS = ['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_sh'];
export const KERNEL_MODULES_BASE = ['overlay', 'br_netfilter', 'nf_conntrack'];

/** The tunnel the CNI uses between nodes (flannel: VXLAN; calico: its pool's; none for a flat network). */
function tunnelModules(c: Cluster): string[] {
  if (c.spec.network.cni === 'flannel') return ['vxlan'];
  if (c.spec.network.cni !== 'calico') return [];
  const encapsulation = c.spec.addons.calico.encapsulation;
  return encapsulation === 'IPIP' ? ['ipip'] : encapsulation === 'VXLAN' ? ['vxlan'] : [];
}

export function kernelModules(c: Cluster): string[] {
  return [
    ...KERNEL_MODULES_BASE,
    ...(c.spec.network.proxyMode === 'ipvs' ? KERNEL_MODULES_IPVS : []),
    ...tunnelModules(c),
  ];
}

/** `exact` settings are set as given; `atLeast` ones are limits that a host may already exceed. */
export interface Sysctl {
  key: string;
  value: number;
  kind: 'exact' | 'atLeast';
}

const exact = (key: string, value: number): Sysctl => ({ key, value, kind: 'exact' });
const atLeast = (key: string, value: number): Sysctl => ({ key, value, kind: 'atLeast' });

export const SYSCTLS: Sysctl[] = [
  exact('net.ipv4.ip_forward', 1),
  exact('net.bridge.bridge-nf-call-iptables', 1),
  exact('net.bridge.bridge-nf-call-ip6tables', 1),
  exact('net.ipv4.conf.all.rp_filter', 0),
  atLeast('net.netfilter.nf_conntrack_max', 1048576),
  exact('net.ipv4.tcp_keepalive_time', 600),
  atLeast('net.core.somaxconn', 32768),
  atLeast('fs.inotify.max_user_instances', 8192),
  atLeast('fs.inotify.max_user_watches', 1048576),
  atLeast('fs.file-max', 2097152),
  exact('vm.swappiness', 0),
  exact('vm.overcommit_memory', 1),
  exact('vm.panic_on_oom', 0),
];

/** The value to set: a limit the host already exceeds is kept, never lowered. */
export function sysctlTarget(s: Sysctl, current?: number): number {
  return s.kind === 'atLeast' && current !== undefined && current > s.value ? current : s.value;
}

/** Whether the host's value satisfies the setting. */
export function sysctlSatisfied(s: Sysctl, current: number): boolean {
  return s.kind === 'atLeast' ? current >= s.value : current === s.value;
}

/** The sysctl file; `current` holds the host's present values (limits above ours are kept). */
export function renderSysctlConf(current: ReadonlyMap<string, number> = new Map()): string {
  return [
    '# Rendered by hakube: kernel settings Kubernetes nodes need.',
    ...SYSCTLS.map((s) => `${s.key} = ${sysctlTarget(s, current.get(s.key))}`),
    '',
  ].join('\n');
}

export function renderModulesLoadConf(c: Cluster): string {
  return [
    '# Rendered by hakube: modules loaded at boot for containerd, kube-proxy and CNI.',
    ...kernelModules(c),
    '',
  ].join('\n');
}

export function renderLimitsConf(): string {
  return [
    '# Rendered by hakube.',
    '*    soft nofile 655360',
    '*    hard nofile 655360',
    '*    soft nproc  655360',
    '*    hard nproc  655360',
    '*    soft memlock unlimited',
    '*    hard memlock unlimited',
    '',
  ].join('\n');
}

const HOSTS_BEGIN = '# BEGIN hakube cluster hosts';
const HOSTS_END = '# END hakube cluster hosts';

/** Replaces (or appends) hakube's block in /etc/hosts, keeping everything else as it was. */
export function mergeEtcHosts(current: string, c: Cluster): string {
  const block = [HOSTS_BEGIN, ...c.spec.hosts.map((h) => `${h.address} ${h.name}`), HOSTS_END].join('\n');
  const start = current.indexOf(HOSTS_BEGIN);
  const end = current.indexOf(HOSTS_END);
  const base =
    current.length === 0 ? '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' : current;
  if (start >= 0 && end > start)
    return `${current.slice(0, start)}${block}${current.slice(end + HOSTS_END.length)}`;
  return `${base.endsWith('\n') ? base : `${base}\n`}${block}\n`;
}
