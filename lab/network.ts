// The lab network: one Linux bridge per lab with the host at .1, one network namespace per
// machine joined by a veth pair, no way out (the machines' default route ends at the host). Partition = the machine's veth link down.
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { bridgeName, netnsName, vethName } from './names';
import { run, tryRun } from './exec';

/** Picks a /24 from 10.250.0.0/15 (by the lab name's hash) that no route or address of this machine uses. */
export async function pickSubnet(lab: string, taken: string[]): Promise<string> {
  const routes =
    (await run('ip', ['-4', 'route', 'show', 'table', 'all'])) + (await run('ip', ['-4', '-o', 'addr']));
  const used = new Set<string>(taken);
  for (const m of routes.matchAll(/\b(10\.25[01]\.\d{1,3})\.\d{1,3}/g)) used.add(m[1]);
  const start = parseInt(createHash('sha256').update(lab).digest('hex').slice(0, 4), 16) % 512;
  for (let i = 0; i < 512; i++) {
    const n = (start + i) % 512;
    const prefix = `10.${250 + Math.floor(n / 256)}.${n % 256}`;
    if (!used.has(prefix)) return prefix;
  }
  throw new Error('no free /24 left in 10.250.0.0/15 for a lab');
}

async function linkExists(name: string): Promise<boolean> {
  return (await tryRun('ip', ['link', 'show', 'dev', name])).code === 0;
}

/** Host side: bridge with .1/24, and a FORWARD rule that keeps lab traffic off every other interface. */
export async function ensureBridge(lab: string, subnet: string): Promise<string> {
  const br = bridgeName(lab);
  if (!(await linkExists(br))) await run('ip', ['link', 'add', br, 'type', 'bridge']);
  const addrs = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', br]);
  if (!addrs.includes(`${subnet}.1/24`)) await run('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', br]);
  await run('ip', ['link', 'set', br, 'up']);
  for (const rule of isolationRules(br)) {
    if ((await tryRun('iptables', ['-C', ...rule])).code !== 0) await run('iptables', ['-I', ...rule]);
  }
  return br;
}

function isolationRules(br: string): string[][] {
  return [
    ['FORWARD', '-i', br, '!', '-o', br, '-j', 'DROP', '-m', 'comment', '--comment', 'hakube-lab'],
    ['FORWARD', '!', '-i', br, '-o', br, '-j', 'DROP', '-m', 'comment', '--comment', 'hakube-lab'],
  ];
}

export async function removeBridge(lab: string): Promise<void> {
  const br = bridgeName(lab);
  for (const rule of isolationRules(br)) {
    while ((await tryRun('iptables', ['-D', ...rule])).code === 0) {
      // delete every copy a crashed run may have left
    }
  }
  if (await linkExists(br)) await run('ip', ['link', 'del', br]);
}

/** The machine's namespace with eth0 at its address; idempotent. */
export async function ensureMachineNetwork(lab: string, host: string, address: string): Promise<void> {
  const ns = netnsName(lab, host);
  const veth = vethName(lab, host);
  if (!existsSync(`/run/netns/${ns}`)) await run('ip', ['netns', 'add', ns]);
  const inside = await tryRun('ip', ['-n', ns, 'link', 'show', 'dev', 'eth0']);
  if (inside.code !== 0) {
    if (await linkExists(veth)) await run('ip', ['link', 'del', veth]);
    await run('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  }
  await run('ip', ['link', 'set', veth, 'master', bridgeName(lab), 'up']);
  const addrs = await run('ip', ['-n', ns, '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  if (!addrs.includes(`${address}/24`))
    await run('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
  await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  // A default route to the host's bridge address, as every server has one: processes on a node
  // (flanneld, node-local DNS, kubelet) reach Service addresses only when the kernel finds some
  // route before kube-proxy's DNAT rewrites the destination ("network is unreachable" otherwise).
  // Whatever else takes that route ends at the host: the FORWARD rules drop it, nothing masquerades.
  await run('ip', ['-n', ns, 'route', 'replace', 'default', 'via', labGateway(address), 'dev', 'eth0']);
}

/** The host's address on the lab bridge (.1 of the machine's /24). */
export function labGateway(address: string): string {
  return `${address.split('.').slice(0, 3).join('.')}.1`;
}

export async function removeMachineNetwork(lab: string, host: string): Promise<void> {
  const veth = vethName(lab, host);
  if (await linkExists(veth)) await tryRun('ip', ['link', 'del', veth]);
  if (existsSync(`/run/netns/${netnsName(lab, host)}`))
    await run('ip', ['netns', 'del', netnsName(lab, host)]);
}

export async function setPartitioned(lab: string, host: string, partitioned: boolean): Promise<void> {
  await run('ip', ['link', 'set', vethName(lab, host), partitioned ? 'down' : 'up']);
}

export async function isPartitioned(lab: string, host: string): Promise<boolean> {
  const r = await tryRun('ip', ['-o', 'link', 'show', 'dev', vethName(lab, host)]);
  return r.code === 0 && !/[<,]UP[,>]/.test(r.stdout);
}

/**
 * Kernel features Kubernetes needs, probed by what the kernel exposes (built-in features have
 * no module to load, and hosts may have no modprobe at all).
 */
interface KernelFeature {
  feature: string;
  /** Modules to load when the feature is missing (the first one provides the probe). */
  modules: string[];
  present: () => boolean;
  /** What missing it means for the cluster. */
  without: string;
}

const KERNEL_FEATURES: KernelFeature[] = [
  {
    feature: 'overlay',
    modules: ['overlay'],
    present: () => fileHas('/proc/filesystems', '\toverlay'),
    without: 'no lab',
  },
  {
    feature: 'br_netfilter',
    modules: ['br_netfilter'],
    present: () => existsSync('/proc/sys/net/bridge'),
    without: 'bridged pod traffic bypasses iptables',
  },
  {
    feature: 'nf_conntrack',
    modules: ['nf_conntrack'],
    present: () => existsSync('/proc/sys/net/netfilter/nf_conntrack_max'),
    without: 'no kube-proxy',
  },
  {
    feature: 'ip_vs',
    modules: ['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_sh'],
    present: () => existsSync('/proc/net/ip_vs'),
    without: 'kube-proxy must use iptables mode',
  },
  {
    feature: 'vxlan',
    modules: ['vxlan'],
    present: () => existsSync('/sys/module/vxlan'),
    without: 'calico needs another encapsulation',
  },
  {
    feature: 'ipip',
    modules: ['ipip'],
    present: () => existsSync('/sys/module/ipip'),
    without: 'calico must use VXLAN, not IPIP',
  },
];

function fileHas(file: string, text: string): boolean {
  try {
    return readFileSync(file, 'utf8').includes(text);
  } catch {
    return false;
  }
}

/**
 * Kernel bits Kubernetes needs that a machine cannot set up itself (modules and most sysctls
 * belong to the host kernel). Missing features are reported as notes, not failures: this
 * kernel lacks ip_vs and ipip, for instance (then kube-proxy runs in iptables mode and calico
 * uses VXLAN).
 */
export async function prepareHostKernel(): Promise<string[]> {
  const notes: string[] = [];
  for (const f of KERNEL_FEATURES) {
    if (f.present()) continue;
    for (const m of f.modules) await tryRun('modprobe', [m]);
    if (!f.present()) notes.push(`kernel feature ${f.feature} is not available (${f.without})`);
  }
  for (const [key, value] of [
    ['net.ipv4.ip_forward', '1'],
    ['net.bridge.bridge-nf-call-iptables', '1'],
    ['net.bridge.bridge-nf-call-ip6tables', '1'],
    // Every machine's systemd (and later kubelet) takes inotify instances from the host's
    // per-user budget; the default 128 runs out at about 25 machines.
    ['fs.inotify.max_user_instances', '8192'],
    ['fs.inotify.max_user_watches', '1048576'],
    // kubelet's container manager insists on these and writes them when they differ, which a
    // machine cannot (its /proc/sys is read-only): they are host-wide, so the host gets them,
    // as kind's host does from its privileged nodes.
    ['vm.overcommit_memory', '1'],
    ['kernel.panic', '10'],
    ['kernel.panic_on_oops', '1'],
  ]) {
    if ((await tryRun('sysctl', ['-q', '-w', `${key}=${value}`])).code !== 0)
      notes.push(`sysctl ${key} could not be set`);
  }
  return notes;
}
