// The reset plan: for each host, which of hakube's services stop (in order), which unit files
// go, and which configs and data move aside to `<path>.reset-<stamp>` (never deleted), plus the
// lines a person reads before approving and the checks after. Pure: activities run it.
import { HOST_RESTORE_DIR, restoreStamp } from '../backup/restore';
import { BIN_DIR, CNI_BIN_DIR, files, KUBE_DIR, unitPath } from '../layout';
import type { Cluster, HostSpec } from '../spec';
import { etcdHosts } from '../topology';
import {
  networkLeftovers,
  networkPlanLines,
  networkResetPlan,
  type NetworkInspection,
  type NetworkResetPlan,
} from './reset-network';

/** A reset's time stamp (the workflow's start), in the names of the paths it moves aside. */
/** The phases of `hakube reset`. */
export const RESET_PHASES = [
  { name: 'plan', title: 'Inspect the hosts and make the plan' },
  { name: 'approval', title: 'Wait for approval', approval: true },
  { name: 'reset', title: 'Stop services, remove units, move data aside (hosts in parallel)' },
  { name: 'verify', title: 'Check that nothing hakube installed is left' },
] as const;

export const resetStamp = (at: Date): string => restoreStamp(at);

export function asidePath(path: string, stamp: string): string {
  return `${path}.reset-${stamp}`;
}

/** What hakube's own units say in their Description (cluster/render): only those files are removed. */
export const HAKUBE_UNIT_MARK = '(hakube)';

/** Pod sandboxes are stopped and removed (crictl) between kube-proxy and containerd. */
export const PODS_STEP = "pods' containers (crictl)";

interface UnitRule {
  unit: string;
  /** A distribution package's unit (kept, only stopped and disabled); otherwise hakube's own file. */
  packaged: boolean;
  on: (c: Cluster, h: HostSpec) => boolean;
}

const isNode = (_c: Cluster, h: HostSpec) => h.roles.includes('worker') || h.roles.includes('control-plane');
const isControlPlane = (_c: Cluster, h: HostSpec) => h.roles.includes('control-plane');
const isEtcd = (_c: Cluster, h: HostSpec) => h.roles.includes('etcd');
const runsVip = (c: Cluster, h: HostSpec) =>
  isControlPlane(c, h) && c.spec.controlPlaneEndpoint.mode === 'keepalived';

/** Every unit hakube runs, in the order a reset stops them: a node's agents first, the VIP last. */
const UNITS: UnitRule[] = [
  { unit: 'kubelet', packaged: false, on: isNode },
  { unit: 'kube-proxy', packaged: false, on: isNode },
  { unit: 'containerd', packaged: false, on: isNode },
  { unit: 'kube-scheduler', packaged: false, on: isControlPlane },
  { unit: 'kube-controller-manager', packaged: false, on: isControlPlane },
  { unit: 'kube-apiserver', packaged: false, on: isControlPlane },
  { unit: 'etcd', packaged: false, on: isEtcd },
  { unit: 'keepalived', packaged: true, on: runsVip },
  { unit: 'haproxy', packaged: true, on: runsVip },
];

interface MoveRule {
  path: (c: Cluster) => string;
  what: string;
  on: (c: Cluster, h: HostSpec) => boolean;
}

const MOVES: MoveRule[] = [
  { path: (c) => c.spec.etcd.dataDir, what: 'etcd data', on: isEtcd },
  { path: () => KUBE_DIR, what: 'PKI, kubeconfigs, kube-proxy config', on: () => true },
  { path: () => '/var/lib/kubelet', what: 'kubelet state and config', on: isNode },
  { path: () => '/etc/etcd', what: 'etcd config', on: isEtcd },
  { path: () => '/etc/cni/net.d', what: 'CNI config', on: isNode },
  { path: () => '/etc/containerd', what: 'containerd config and registry mirrors', on: isNode },
  { path: () => files.crictlConfig, what: 'crictl config', on: isNode },
  { path: () => files.haproxyCfg, what: 'haproxy config', on: runsVip },
  { path: () => files.keepalivedConf, what: 'keepalived config', on: runsVip },
  { path: () => files.keepalivedCheck, what: 'keepalived check script', on: runsVip },
  // Markers of restores of the old cluster: a rollback of one must find nothing to put back.
  { path: () => HOST_RESTORE_DIR, what: 'etcd restore markers', on: isEtcd },
];

/** What hakube leaves in place, said in the plan so nobody wonders. */
export const RESET_KEEPS = [
  `binaries in ${BIN_DIR} and ${CNI_BIN_DIR} (a new install checks them and skips their upload)`,
  'the OS preparation (sysctls, kernel modules, limits, /etc/hosts)',
  '/var/lib/containerd (images; the pods are removed first)',
  'logs, and backups at the backup target',
];

/** What a reset leaves of the host's network (docs/reset.md says why). */
export const NETWORK_KEEPS = [
  "the host's own iptables rules and chains (only the cluster's KUBE-, CNI-, FLANNEL- or cali- chains and the rules that jump to them go)",
  'ipsets, routes of other interfaces, and IPVS servers outside the service CIDR and NodePorts',
];

export interface ResetUnit {
  unit: string;
  packaged: boolean;
}

export interface ResetMove {
  path: string;
  aside: string;
  what: string;
}

export interface HostResetPlan {
  host: string;
  stamp: string;
  /** In stop order; pods' containers are removed right before containerd stops. */
  units: ResetUnit[];
  /** hakube's unit files, removed (the packaged units' files are the package's and stay). */
  unitFiles: string[];
  moves: ResetMove[];
  /** Pod sandboxes to stop and remove, containerd-shims to end (hosts that run containerd). */
  removePods: boolean;
  /**
   * The cluster's network state on a node (iptables chains, interfaces, IPVS servers), removed
   * once the pods and kube-proxy are gone: a bridge left holding the old cluster's gateway
   * address makes the next install's CNI refuse the node's new pod subnet, and stale KUBE-
   * chains send Service traffic to the old cluster's endpoints. Hosts without containerd: none.
   */
  network?: NetworkResetPlan;
}

/** Folders a spec's path (the etcd data dir) may be, but which a reset must never move away. */
const SYSTEM_DIRS = new Set([
  ...['/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib64', '/media', '/mnt', '/opt', '/proc'],
  ...['/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/usr/local', '/var', '/var/lib'],
]);

export function normalisePath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  return `/${parts.join('/')}`;
}

/** Why a path must not be moved aside, or undefined when it may. */
export function unsafeToMove(path: string): string | undefined {
  if (!path.startsWith('/')) return 'not an absolute path';
  if (path.split('/').includes('..')) return 'contains ..';
  const p = normalisePath(path);
  if (p === '/' || SYSTEM_DIRS.has(p)) return 'a system folder';
  return undefined;
}

const within = (path: string, parent: string) => path.startsWith(`${parent}/`);

/** The moves of `paths`, without those inside another one (they move with it). */
function movesOf(rules: { path: string; what: string }[], stamp: string): ResetMove[] {
  const unique = rules.filter((r, i) => rules.findIndex((o) => o.path === r.path) === i);
  return unique
    .filter((r) => !unique.some((o) => within(r.path, o.path)))
    .map((r) => ({ path: r.path, aside: asidePath(r.path, stamp), what: r.what }));
}

export function hostResetPlan(cluster: Cluster, host: HostSpec, stamp: string): HostResetPlan {
  const units = UNITS.filter((u) => u.on(cluster, host)).map(({ unit, packaged }) => ({ unit, packaged }));
  const moves = movesOf(
    MOVES.filter((m) => m.on(cluster, host)).map((m) => ({
      path: normalisePath(m.path(cluster)),
      what: m.what,
    })),
    stamp,
  );
  return {
    host: host.name,
    stamp,
    units,
    unitFiles: units.filter((u) => !u.packaged).map((u) => unitPath(u.unit)),
    moves,
    removePods: units.some((u) => u.unit === 'containerd'),
    ...(units.some((u) => u.unit === 'containerd') ? { network: networkResetPlan(cluster) } : {}),
  };
}

/** Names that are no host of the spec (a command refuses them before anything starts). */
export function unknownHosts(cluster: Cluster, names: string[]): string[] {
  return names.filter((n) => !cluster.spec.hosts.some((h) => h.name === n));
}

/** The hosts a reset touches: those named (in spec order), or all. */
export function resetHosts(cluster: Cluster, names?: string[]): HostSpec[] {
  if (!names?.length) return cluster.spec.hosts;
  return cluster.spec.hosts.filter((h) => names.includes(h.name));
}

/** etcd members being reset while other members keep running: they must leave the cluster first. */
export function partialEtcdReset(
  cluster: Cluster,
  hosts: HostSpec[],
): { reset: string[]; remaining: HostSpec[] } {
  const names = new Set(hosts.map((h) => h.name));
  const members = etcdHosts(cluster);
  return {
    reset: members.filter((h) => names.has(h.name)).map((h) => h.name),
    remaining: members.filter((h) => !names.has(h.name)),
  };
}

// --- Inspection: what of the plan is on a host (read-only), before and after ----------------

export interface UnitState {
  unit: string;
  /** `systemctl is-active`: active, inactive, failed, activating, ... */
  active: string;
  /** `systemctl is-enabled`: enabled, disabled, ..., or `none` when there is no such unit. */
  enabled: string;
}

export interface ResetInspection {
  host: string;
  units: UnitState[];
  /** hakube's unit files that are there. */
  unitFiles: string[];
  /** Files at hakube's unit paths that hakube did not write: kept. */
  foreignUnitFiles: string[];
  /** Paths to move that exist. */
  present: string[];
  /** Their `.reset-<stamp>` names that exist already (moved by an earlier attempt of this reset). */
  asideTaken: string[];
  /** Paths to move that are mount points themselves: they cannot be renamed. */
  mountPoints: string[];
  /** Mounts below paths to move (kubelet's volumes, say), unmounted before the move. */
  mountsBelow: string[];
  /** The cluster's network state found (hosts with a network plan; absent in older recorded runs). */
  network?: NetworkInspection;
}

const ACTIVE_STATES = new Set(['active', 'activating', 'deactivating', 'reloading', 'refreshing']);
export const isRunning = (state: string): boolean => ACTIVE_STATES.has(state);

/** Mount points in /proc/self/mountinfo (field 5, with its octal escapes undone). */
export function parseMountPoints(mountinfo: string): string[] {
  return mountinfo
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

/** Mounts strictly below `path`, deepest first: the order to unmount them in. */
export function mountsBelow(mounts: string[], path: string): string[] {
  const depth = (p: string) => p.split('/').length;
  return mounts.filter((m) => within(m, path)).sort((a, b) => depth(b) - depth(a));
}

/**
 * Reads what the inspection prints (activities/host/reset-host.ts), one fact a line:
 * `unit <name> <is-active> <is-enabled>`, `unitfile <path>`, `foreign <path>`, `present <path>`,
 * `aside <path>`; and /proc/self/mountinfo for the mounts.
 */
export function parseInspection(
  plan: HostResetPlan,
  scriptOutput: string,
  mountinfo: string,
): ResetInspection {
  const facts = scriptOutput.split('\n').map((l) => l.trim());
  const after = (prefix: string) =>
    facts.filter((l) => l.startsWith(`${prefix} `)).map((l) => l.slice(prefix.length + 1));
  const units = after('unit').map((l) => {
    const [unit, active, enabled] = l.split(' ');
    return { unit, active: active || 'unknown', enabled: enabled || 'none' };
  });
  const mounts = parseMountPoints(mountinfo);
  const paths = plan.moves.map((m) => m.path);
  return {
    host: plan.host,
    units,
    unitFiles: after('unitfile'),
    foreignUnitFiles: after('foreign'),
    present: after('present'),
    asideTaken: after('aside'),
    mountPoints: paths.filter((p) => mounts.includes(p)),
    mountsBelow: paths.flatMap((p) => mountsBelow(mounts, p)),
  };
}

/** What of hakube is still on a host after its reset (empty when the reset is complete). */
export function resetLeftovers(plan: HostResetPlan, seen: ResetInspection): string[] {
  const left: string[] = [];
  for (const u of seen.units) {
    if (isRunning(u.active)) left.push(`${u.unit} is ${u.active}`);
    if (u.enabled === 'enabled') left.push(`${u.unit} is enabled`);
  }
  for (const f of seen.unitFiles) left.push(`${f} is still there`);
  for (const p of seen.present) left.push(`${p} is still there`);
  if (seen.network) left.push(...networkLeftovers(seen.network));
  return left.map((l) => `${plan.host}: ${l}`);
}

/** Why a host's plan cannot run (checked before the approval, so nothing is changed). */
export function resetBlockers(plan: HostResetPlan, seen?: ResetInspection): string[] {
  const out: string[] = [];
  for (const m of plan.moves) {
    const why = unsafeToMove(m.path);
    if (why) out.push(`${plan.host}: ${m.path} (${m.what}) cannot be moved aside: ${why}`);
  }
  for (const p of seen?.mountPoints ?? [])
    out.push(
      `${plan.host}: ${p} is a mount point and cannot be moved aside: unmount it, or move its contents by hand`,
    );
  // A name taken while the path is there too: the earlier move is not ours to overwrite.
  for (const m of plan.moves)
    if (seen?.present.includes(m.path) && seen.asideTaken.includes(m.aside))
      out.push(`${plan.host}: both ${m.path} and ${m.aside} exist`);
  return out;
}

// --- What a person reads before approving ---------------------------------------------------

function unitLabel(u: ResetUnit, seen?: ResetInspection): string {
  const state = seen?.units.find((s) => s.unit === u.unit)?.active;
  return state && state !== 'inactive' && state !== 'unknown' ? `${u.unit} (${state})` : u.unit;
}

/** Stop order as shown: the units, with the pods' containers right before containerd. */
export function stopSequence(plan: HostResetPlan, seen?: ResetInspection): string[] {
  return plan.units.flatMap((u) =>
    u.unit === 'containerd' && plan.removePods ? [PODS_STEP, unitLabel(u, seen)] : [unitLabel(u, seen)],
  );
}

function hostLines(h: HostSpec, plan: HostResetPlan, seen?: ResetInspection): string[] {
  const name = plan.host;
  const lines = [`${name} [${h.roles.join(', ')}]: stop ${stopSequence(plan, seen).join(', ')}`];
  const own = plan.units.filter((u) => !u.packaged).map((u) => u.unit);
  const packaged = plan.units.filter((u) => u.packaged).map((u) => u.unit);
  const files = seen ? own.filter((u) => seen.unitFiles.includes(unitPath(u))) : own;
  let units = files.length ? `${name}: disable and remove the unit files of ${files.join(', ')}` : '';
  if (packaged.length)
    units += `${units ? '; ' : `${name}: `}disable ${packaged.join(', ')} (their package's units stay)`;
  if (units) lines.push(units);
  for (const f of seen?.foreignUnitFiles ?? []) lines.push(`${name}: ${f} was not written by hakube: kept`);
  const moving = seen ? plan.moves.filter((m) => seen.present.includes(m.path)) : plan.moves;
  const done = seen
    ? plan.moves.filter((m) => !seen.present.includes(m.path) && seen.asideTaken.includes(m.aside))
    : [];
  if (moving.length) {
    const below = seen?.mountsBelow.length
      ? ` (after unmounting ${seen.mountsBelow.length} mounts below them)`
      : '';
    lines.push(`${name}: move aside ${moving.map((m) => m.path).join(', ')}${below}`);
  }
  if (done.length) lines.push(`${name}: already moved aside: ${done.map((m) => m.path).join(', ')}`);
  if (!moving.length && !done.length) lines.push(`${name}: nothing to move aside`);
  // Only with an inspection that looked (older recorded runs had none): their plan reads as it did.
  if (seen?.network) lines.push(...networkPlanLines(name, seen.network));
  return lines;
}

/** The plan for approval: per host what stops, goes and moves, then what stays. */
export function resetPlanLines(
  cluster: Cluster,
  hosts: HostSpec[],
  stamp: string,
  inspections: ResetInspection[] = [],
  notes: string[] = [],
): string[] {
  const others = cluster.spec.hosts.filter((h) => !hosts.some((r) => r.name === h.name)).map((h) => h.name);
  const lines = [
    `reset ${cluster.metadata.name}: ${hosts.map((h) => h.name).join(', ')}; what moves aside is renamed to <path>.reset-${stamp} on its host, nothing is deleted`,
  ];
  for (const h of hosts) {
    const plan = hostResetPlan(cluster, h, stamp);
    lines.push(
      ...hostLines(
        h,
        plan,
        inspections.find((i) => i.host === h.name),
      ),
    );
  }
  if (others.length) lines.push(`not reset (keep running): ${others.join(', ')}`);
  if (inspections.some((i) => i.network)) lines.push(`kept on the network: ${NETWORK_KEEPS.join('; ')}`);
  lines.push(...notes, `kept: ${RESET_KEEPS.join('; ')}`);
  return lines;
}

/** The units hakube runs on a host of these roles (what doctor expects active). */
export function hakubeUnitsOn(c: Cluster, h: HostSpec): string[] {
  return UNITS.filter((u) => u.on(c, h)).map((u) => u.unit);
}
