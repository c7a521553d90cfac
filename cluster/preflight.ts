// Preflight checks over gathered facts: pure, so every failure across every host is reported at
// once before anything changes, and the rules are unit-tested.
import type { Cluster, HostSpec } from './spec';
import { versionAtLeast, type CgroupFacts, type HostFacts } from './facts';
import { apiserverPort } from './topology';

export interface PreflightIssue {
  host?: string;
  check: string;
  message: string;
}

export interface PreflightReport {
  errors: PreflightIssue[];
  warnings: PreflightIssue[];
}

export interface GatheredFacts {
  facts: HostFacts;
  /** Host clock minus the worker's clock when the facts arrived, in ms. */
  skewMs: number;
}

const SUPPORTED_OS: Record<string, string[]> = {
  debian: ['11', '12', '13'],
  ubuntu: ['20.04', '22.04', '24.04'],
  rocky: ['8', '9'],
  almalinux: ['8', '9'],
  rhel: ['8', '9'],
};

const CONTAINER_VIRT = new Set(['systemd-nspawn', 'lxc', 'lxc-libvirt', 'docker', 'podman', 'openvz']);

/** The component that may already hold each port (a re-run finds its own services listening). */
export function requiredPorts(c: Cluster, host: HostSpec): { port: number; owner: string[] }[] {
  const ports: { port: number; owner: string[] }[] = [];
  if (host.roles.includes('etcd'))
    ports.push({ port: 2379, owner: ['etcd'] }, { port: 2380, owner: ['etcd'] });
  if (host.roles.includes('control-plane')) {
    ports.push(
      { port: apiserverPort(c), owner: ['kube-apiserver'] },
      { port: 10257, owner: ['kube-controller'] }, // ss truncates process names to 15 characters
      { port: 10259, owner: ['kube-scheduler'] },
    );
    if (c.spec.controlPlaneEndpoint.mode === 'keepalived')
      ports.push({ port: c.spec.controlPlaneEndpoint.port, owner: ['haproxy'] });
  }
  if (host.roles.includes('worker') || host.roles.includes('control-plane'))
    ports.push({ port: 10250, owner: ['kubelet'] });
  return ports;
}

const MAX_SKEW_MS = 2000;

export interface PreflightOptions {
  /** Hosts joining a running cluster: only they are checked, and the VIP is expected to answer. */
  joining?: string[];
}

export function evaluatePreflight(
  c: Cluster,
  gathered: Record<string, GatheredFacts>,
  opts: PreflightOptions = {},
): PreflightReport {
  const errors: PreflightIssue[] = [];
  const warnings: PreflightIssue[] = [];
  const hostnames = new Map<string, string>();
  const checked = opts.joining ? c.spec.hosts.filter((h) => opts.joining?.includes(h.name)) : c.spec.hosts;
  for (const host of checked) {
    const g = gathered[host.name];
    if (!g) {
      errors.push({ host: host.name, check: 'reachable', message: 'no facts gathered' });
      continue;
    }
    const f = g.facts;
    const err = (check: string, message: string) => errors.push({ host: host.name, check, message });
    const warn = (check: string, message: string) => warnings.push({ host: host.name, check, message });

    const family = SUPPORTED_OS[f.os.id] ? f.os.id : f.os.idLike.find((l) => SUPPORTED_OS[l]);
    if (!family)
      err('os', `${f.os.prettyName} is not a supported distribution (Debian, Ubuntu, RHEL family)`);
    else if (!SUPPORTED_OS[family].some((v) => f.os.versionId === v || f.os.versionId.startsWith(`${v}.`))) {
      warn('os', `${f.os.prettyName} is not a tested release of ${family}`);
    }
    if (!versionAtLeast(f.kernel, '4.19'))
      warn('kernel', `kernel ${f.kernel} is older than 4.19; ipvs and overlayfs may misbehave`);
    if (f.arch !== 'x86_64' && f.arch !== 'aarch64') err('arch', `architecture ${f.arch} is not supported`);

    const controlPlane = host.roles.includes('control-plane');
    if (controlPlane && f.cpus < 2) err('cpu', `${f.cpus} CPU; a control-plane host needs at least 2`);
    const minMem = controlPlane ? 1700 : 1000;
    if (f.memoryMiB < minMem) err('memory', `${f.memoryMiB} MiB of memory; at least ${minMem} MiB is needed`);
    if (f.swapActive) warn('swap', 'swap is on; hakube turns it off (and comments it out of /etc/fstab)');

    for (const { port, owner } of requiredPorts(c, host)) {
      const holder = f.listening.find((s) => s.port === port);
      if (holder && !owner.some((o) => holder.process?.startsWith(o))) {
        err('ports', `port ${port} is already in use by ${holder.process ?? 'an unknown process'}`);
      }
    }

    const other = hostnames.get(f.hostname);
    if (other) err('hostname', `hostname ${f.hostname} is also the hostname of ${other}`);
    else hostnames.set(f.hostname, host.name);
    if (f.cgroups.version === 1)
      warn(
        'cgroup',
        'cgroup v1: kubelet runs only with failCgroupV1=false (set by hakube); Kubernetes is removing v1 support, move to a cgroup v2 host',
      );
    cgroupChecks(f.cgroups, warn);
    // A container (such as a lab machine) keeps the host kernel's clock; it has no NTP of its own.
    if (f.timeSynchronized === false && !CONTAINER_VIRT.has(f.virtualization))
      warn('time', 'the clock is not synchronised (NTP); certificates and etcd need agreeing clocks');
    if (Math.abs(g.skewMs) > MAX_SKEW_MS)
      err('time', `clock is ${Math.round(g.skewMs / 1000)} s off the worker's`);
  }

  const skews = Object.values(gathered).map((g) => g.skewMs);
  if (skews.length > 1) {
    const spread = Math.max(...skews) - Math.min(...skews);
    if (spread > MAX_SKEW_MS)
      errors.push({ check: 'time', message: `clocks of the hosts differ by up to ${Math.round(spread)} ms` });
  }
  if (!opts.joining) vipCheck(c, gathered, errors);
  return { errors, warnings };
}

/** Only what is really missing: read-only controllers, controllers the host lacks. */
function cgroupChecks(cg: CgroupFacts, warn: (check: string, message: string) => void): void {
  const readOnly = cg.readOnly ?? [];
  const missing = cg.missing ?? [];
  const noQos = 'kubelet runs without per-QoS cgroups and node-allocatable enforcement';
  if (readOnly.length)
    warn(
      'cgroup',
      `cgroup controllers ${readOnly.join(', ')} are read-only (a container that mounts them so): ${noQos}, so pods get no resource isolation`,
    );
  if (missing.length)
    warn(
      'cgroup',
      `cgroup controllers ${missing.join(', ')} are not available (${cg.version === 2 ? 'not delegated to this host' : 'not mounted'})${cg.controllersWritable ? ': pods get no limits on them' : `: ${noQos}`}`,
    );
  if (!cg.controllersWritable && !readOnly.length && !missing.length)
    warn('cgroup', `the cgroup controllers could not be read: ${noQos}`);
}

/** The VIP must be free, unless one of the control-plane hosts already holds it (a re-run). */
function vipCheck(c: Cluster, gathered: Record<string, GatheredFacts>, errors: PreflightIssue[]): void {
  const ep = c.spec.controlPlaneEndpoint;
  if (ep.mode !== 'keepalived') return;
  const vip = ep.vip.split('/')[0];
  const heldByUs = Object.values(gathered).some((g) => g.facts.addresses.includes(vip));
  const answers = Object.values(gathered).some((g) => g.facts.vipAnswers === true);
  if (answers && !heldByUs)
    errors.push({
      check: 'vip',
      message: `the VIP ${vip} already answers, but none of the control-plane hosts holds it`,
    });
}
