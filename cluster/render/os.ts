// OS preparation files: the sysctls, kernel modules and limits of the runbooks, and /etc/hosts.
import type { Cluster } from '../spec';

export const KERNEL_MODULES_IPVS = ['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_sh'];
export const KERNEL_MODULES_BASE = ['overlay', 'br_netfilter', 'nf_conntrack'];

export function kernelModules(c: Cluster): string[] {
  return c.spec.network.proxyMode === 'ipvs'
    ? [...KERNEL_MODULES_BASE, ...KERNEL_MODULES_IPVS]
    : KERNEL_MODULES_BASE;
}

export const SYSCTLS: [string, string][] = [
  ['net.ipv4.ip_forward', '1'],
  ['net.bridge.bridge-nf-call-iptables', '1'],
  ['net.bridge.bridge-nf-call-ip6tables', '1'],
  ['net.ipv4.conf.all.rp_filter', '0'],
  ['net.netfilter.nf_conntrack_max', '1048576'],
  ['net.ipv4.tcp_keepalive_time', '600'],
  ['net.core.somaxconn', '32768'],
  ['fs.inotify.max_user_instances', '8192'],
  ['fs.inotify.max_user_watches', '1048576'],
  ['fs.file-max', '2097152'],
  ['vm.swappiness', '0'],
  ['vm.overcommit_memory', '1'],
  ['vm.panic_on_oom', '0'],
];

export function renderSysctlConf(): string {
  return [
    '# Rendered by hakube: kernel settings Kubernetes nodes need.',
    ...SYSCTLS.map(([k, v]) => `${k} = ${v}`),
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
