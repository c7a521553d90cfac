// Each machine's own cgroups. systemd-nspawn puts a machine's systemd under "payload" in the
// cgroup it was started from; machines started from the same cgroup would all share that one
// "payload" and race each other creating and removing unit cgroups ("Failed at step CGROUP").
// The same holds for the resource controllers, which machines write to (kubelet and runc create
// cgroups with the systemd driver, lab/README.md): two machines rooted in one memory cgroup would
// both create system.slice and kubepods.slice in it. So every nspawn process first moves into a
// cgroup of its own in every hierarchy:
//  - the hierarchies systemd tracks processes in (name=systemd and the unified one on a hybrid
//    host, the single tree on a cgroup v2 host): /hakube-lab/<lab>-<host> from their root;
//  - each cgroup v1 controller hierarchy (memory, cpu, ...): <the starter's cgroup>/hakube-lab/
//    <lab>-<host>, so limits put on the process that runs the lab still hold for its machines.
// On a cgroup v2 host the controllers are enabled down to the machine's cgroup (nspawn enables
// them below it for the machine's systemd: a delegated tree).
// The pure parts (which hierarchies, which directories) are unit-tested (test/lab/cgroups.test.ts).
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { hostDir, hostOfMachine } from './names';

const GROUP = 'hakube-lab';

export interface CgroupHierarchy {
  /** Mount point, e.g. /sys/fs/cgroup/memory. */
  mount: string;
  /** 'v2': a cgroup2 tree; 'tracking': name=systemd (v1, no resources); 'controller': v1 resources. */
  kind: 'v2' | 'tracking' | 'controller';
  /** v1: the hierarchy's controllers as /proc/self/cgroup names them ("cpu,cpuacct", "name=systemd"). */
  controllers: string;
}

/** Options of a v1 cgroup mount that are not controllers. */
const MOUNT_OPTIONS = new Set([
  'rw',
  'ro',
  'nosuid',
  'nodev',
  'noexec',
  'relatime',
  'noatime',
  'strictatime',
  'xattr',
  'none',
  'nsdelegate',
  'memory_recursiveprot',
  'clone_children',
]);

/** The cgroup hierarchies mounted on this machine, from /proc/mounts (first mount of each wins). */
export function parseCgroupMounts(procMounts: string): CgroupHierarchy[] {
  const out: CgroupHierarchy[] = [];
  for (const line of procMounts.split('\n')) {
    const f = line.split(' ');
    if (f.length < 4 || (f[2] !== 'cgroup' && f[2] !== 'cgroup2')) continue;
    let h: CgroupHierarchy;
    if (f[2] === 'cgroup2') h = { mount: f[1], kind: 'v2', controllers: '' };
    else {
      const controllers = f[3]
        .split(',')
        .filter((o) => !MOUNT_OPTIONS.has(o) && !o.startsWith('release_agent='))
        .sort();
      const named = controllers.find((c) => c.startsWith('name='));
      h = named
        ? { mount: f[1], kind: 'tracking', controllers: named }
        : { mount: f[1], kind: 'controller', controllers: controllers.join(',') };
    }
    if (!out.some((o) => o.kind === h.kind && o.controllers === h.controllers)) out.push(h);
  }
  return out;
}

/** The cgroup a process is in within one hierarchy, from /proc/<pid>/cgroup ("/" when unknown). */
export function cgroupOf(procCgroup: string, h: CgroupHierarchy): string {
  for (const line of procCgroup.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const names = m[1].split(',').sort().join(',');
    if (h.kind === 'v2' ? m[1] === '' : names === h.controllers) return m[2] || '/';
  }
  return '/';
}

export interface MachineCgroup {
  hierarchy: CgroupHierarchy;
  /** The machine's cgroup directory. */
  dir: string;
  /** The levels to create, top-down (from the first one below the parent that exists). */
  levels: string[];
}

/** Where a machine's cgroups go in each hierarchy (see the header). Pure. */
export function machineCgroupPlan(
  hierarchies: CgroupHierarchy[],
  selfCgroup: string,
  machine: string,
): MachineCgroup[] {
  return hierarchies.map((h) => {
    const parent = h.kind === 'controller' ? cgroupOf(selfCgroup, h) : '/';
    const group = join(h.mount, parent, GROUP);
    const dir = join(group, machine);
    return { hierarchy: h, dir, levels: [group, dir] };
  });
}

/** cgroup v2 controllers a machine's kubelet and runc use, enabled down to its cgroup when available. */
export const V2_CONTROLLERS = ['cpuset', 'cpu', 'io', 'memory', 'pids', 'hugetlb'];

/**
 * The "+controller" words to write into a v2 cgroup's cgroup.subtree_control so that its children
 * get every wanted controller it has (cgroup.controllers) and does not enable yet. Pure.
 */
export function subtreeControlWrite(available: string, enabled: string, wanted = V2_CONTROLLERS): string[] {
  const have = new Set(available.trim().split(/\s+/).filter(Boolean));
  const on = new Set(enabled.trim().split(/\s+/).filter(Boolean));
  return wanted.filter((c) => have.has(c) && !on.has(c)).map((c) => `+${c}`);
}

const read = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** Enables the controllers one by one (one refused, e.g. cpuset with processes in a child, is skipped). */
function enableSubtree(dir: string): void {
  const file = join(dir, 'cgroup.subtree_control');
  for (const word of subtreeControlWrite(read(join(dir, 'cgroup.controllers')), read(file))) {
    try {
      writeFileSync(file, word);
    } catch {
      // left out: the machine's probe (cluster/facts.ts) reports what it misses
    }
  }
}

/** A new v1 cpuset cgroup starts with no CPUs or memory nodes and takes no process: inherit them. */
function inheritCpuset(dir: string, parent: string): void {
  for (const f of ['cpuset.cpus', 'cpuset.mems']) {
    if (read(join(dir, f)).trim() === '') writeFileSync(join(dir, f), read(join(parent, f)).trim());
  }
}

const recordFile = (lab: string, host: string) => join(hostDir(lab, host), 'cgroups');
const currentPlan = (machine: string) =>
  machineCgroupPlan(
    parseCgroupMounts(readFileSync('/proc/mounts', 'utf8')),
    readFileSync('/proc/self/cgroup', 'utf8'),
    machine,
  );

/**
 * Creates the machine's cgroups in every hierarchy and records them in the host folder; returns
 * the cgroup.procs files its nspawn process joins.
 */
export function ensureMachineCgroups(lab: string, host: string): string[] {
  const plan = currentPlan(`${lab}-${host}`);
  for (const { hierarchy, levels } of plan) {
    let parent = join(levels[0], '..');
    for (const dir of levels) {
      if (hierarchy.kind === 'v2') enableSubtree(parent);
      mkdirSync(dir, { recursive: true });
      if (hierarchy.controllers.split(',').includes('cpuset')) inheritCpuset(dir, parent);
      parent = dir;
    }
  }
  writeFileSync(recordFile(lab, host), `${plan.map((p) => p.dir).join('\n')}\n`);
  return plan.map((p) => join(p.dir, 'cgroup.procs'));
}

/** Removes a cgroup tree bottom-up; cgroups still holding processes stay (rmdir fails on them). */
function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    const child = join(dir, entry);
    if (statSync(child).isDirectory()) removeTree(child);
  }
  try {
    rmdirSync(dir);
  } catch {
    // busy: a process still runs in it (it is reported by the nspawn process checks instead)
  }
}

export function removeMachineCgroups(lab: string, host: string): void {
  const recorded = read(recordFile(lab, host)).split('\n').filter(Boolean);
  const dirs = new Set([...recorded, ...currentPlan(`${lab}-${host}`).map((p) => p.dir)]);
  for (const dir of dirs) removeTree(dir);
  rmSync(recordFile(lab, host), { force: true });
}

/** Cgroups of a lab's machines that no record mentions (a crash between steps). */
export function removeLabCgroups(lab: string): void {
  const parents = new Set(currentPlan('x').map((p) => p.levels[0]));
  for (const h of parseCgroupMounts(readFileSync('/proc/mounts', 'utf8'))) parents.add(join(h.mount, GROUP));
  for (const parent of parents) {
    if (!existsSync(parent)) continue;
    for (const entry of readdirSync(parent))
      if (hostOfMachine(lab, entry) !== undefined) removeTree(join(parent, entry));
  }
}
