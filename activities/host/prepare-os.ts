// prepareOs: swap off (and out of fstab), sysctls, kernel modules, limits, /etc/hosts, time
// sync. Each item is checked first and changed only when needed; what a container (the lab)
// cannot change itself is reported as a warning, not hidden.
import type { Cluster } from '../../cluster/spec';
import { files } from '../../cluster/layout';
import {
  kernelModules,
  mergeEtcHosts,
  renderLimitsConf,
  renderModulesLoadConf,
  renderSysctlConf,
  SYSCTLS,
  sysctlSatisfied,
} from '../../cluster/render/os';
import type { Host } from '../ssh';
import { resolveHost, type HostInput, type HostProvider } from '../context';

export interface PrepareOsResult {
  changed: string[];
  warnings: string[];
}

async function ensureSwapOff(host: Host, out: PrepareOsResult): Promise<void> {
  const swaps = await host.run('tail -n +2 /proc/swaps');
  if (swaps.stdout.trim()) {
    await host.run('swapoff -a');
    out.changed.push('swap turned off');
  }
  // Comment out swap entries so a reboot does not bring swap back.
  const fstab = await host.exec("grep -Eq '^[^#].*\\sswap\\s' /etc/fstab");
  if (fstab.exitCode === 0) {
    await host.run("sed -i.hakube-bak -E 's/^([^#].*\\sswap\\s.*)$/# \\1  # disabled by hakube/' /etc/fstab");
    out.changed.push('swap removed from /etc/fstab');
  }
}

async function ensureSysctls(host: Host, out: PrepareOsResult): Promise<void> {
  const current = await readSysctls(host);
  const r = await host.ensureFile(files.sysctl, Buffer.from(renderSysctlConf(current)), { mode: 0o644 });
  if (r.changed) out.changed.push(files.sysctl);
  await host.exec(`sysctl -q -p ${files.sysctl}`);
  // Verify by reading back; keys a container cannot set are the host's job (see lab/README.md).
  const after = await readSysctls(host);
  for (const s of SYSCTLS) {
    const got = after.get(s.key);
    if (got === undefined) out.warnings.push(`sysctl ${s.key} does not exist on this kernel`);
    else if (!sysctlSatisfied(s, got)) {
      const wanted = s.kind === 'atLeast' ? `at least ${s.value}` : `${s.value}`;
      out.warnings.push(`sysctl ${s.key} is ${got}, wanted ${wanted} (not writable here)`);
    }
  }
}

/** The host's values of hakube's sysctls (keys the kernel lacks are absent). */
async function readSysctls(host: Host): Promise<Map<string, number>> {
  const keyOfPath = new Map(SYSCTLS.map((s) => [`/proc/sys/${s.key.replace(/\./g, '/')}`, s.key]));
  // One round trip: "<path> <value>" per readable key.
  const r = await host.exec(
    `for f in ${[...keyOfPath.keys()].join(' ')}; do [ -r "$f" ] && echo "$f $(cat "$f")"; done; true`,
  );
  const values = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    const [path, value] = line.trim().split(/\s+/);
    const key = keyOfPath.get(path);
    if (key && value !== undefined && /^-?\d+$/.test(value)) values.set(key, Number(value));
  }
  return values;
}

async function ensureModules(c: Cluster, host: Host, out: PrepareOsResult): Promise<void> {
  const r = await host.ensureFile(files.modulesLoad, Buffer.from(renderModulesLoadConf(c)), { mode: 0o644 });
  if (r.changed) out.changed.push(files.modulesLoad);
  for (const mod of kernelModules(c)) {
    const present = await host.exec(`test -d /sys/module/${mod}`);
    if (present.exitCode === 0) continue;
    const loaded = await host.exec(`modprobe ${mod}`);
    if (loaded.exitCode === 0) out.changed.push(`module ${mod} loaded`);
    else
      out.warnings.push(
        `kernel module ${mod} is not loaded and cannot be loaded here (${loaded.stderr.trim() || 'no modprobe'})`,
      );
  }
}

async function ensureEtcHosts(c: Cluster, host: Host, out: PrepareOsResult): Promise<void> {
  const current = (await host.readFile('/etc/hosts'))?.toString('utf8') ?? '';
  const merged = mergeEtcHosts(current, c);
  if (merged !== current) {
    await host.ensureFile('/etc/hosts', Buffer.from(merged), { mode: 0o644 });
    out.changed.push('/etc/hosts');
  }
}

async function ensureTimeSync(host: Host, out: PrepareOsResult): Promise<void> {
  for (const unit of ['chrony', 'systemd-timesyncd']) {
    const exists = await host.exec(`systemctl cat ${unit}.service >/dev/null 2>&1`);
    if (exists.exitCode !== 0) continue;
    const active = await host.exec(`systemctl is-active ${unit}`);
    if (active.stdout.trim() === 'active') return;
    await host.exec(`systemctl enable --now ${unit}`);
    if ((await host.exec(`systemctl is-active ${unit}`)).stdout.trim() === 'active')
      out.changed.push(`${unit} started`);
    else out.warnings.push(`${unit} does not run here (containers share the host's clock)`);
    return;
  }
  out.warnings.push('no time synchronisation service (chrony or systemd-timesyncd) is installed');
}

export function createPrepareOs(deps: { hosts: HostProvider }) {
  return async function prepareOs(input: HostInput): Promise<PrepareOsResult> {
    const { host } = resolveHost(deps.hosts, input);
    const out: PrepareOsResult = { changed: [], warnings: [] };
    await ensureSwapOff(host, out);
    await ensureModules(input.cluster, host, out);
    await ensureSysctls(host, out);
    const limits = await host.ensureFile(files.limits, Buffer.from(renderLimitsConf()), { mode: 0o644 });
    if (limits.changed) out.changed.push(files.limits);
    await ensureEtcHosts(input.cluster, host, out);
    await ensureTimeSync(host, out);
    return out;
  };
}

/** Only the cluster's block of /etc/hosts: after a join or removal, on the hosts that stay. */
export function createHostsFileActivity(deps: { hosts: HostProvider }) {
  return {
    async ensureHostsFile(input: HostInput): Promise<PrepareOsResult> {
      const { host } = resolveHost(deps.hosts, input);
      const out: PrepareOsResult = { changed: [], warnings: [] };
      await ensureEtcHosts(input.cluster, host, out);
      return out;
    },
  };
}
