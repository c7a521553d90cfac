// Each machine's own cgroup. systemd-nspawn puts a machine's systemd under "payload" in the
// cgroup it was started from; machines started from the same cgroup would all share that one
// "payload" and race each other creating and removing unit cgroups ("Failed at step CGROUP").
// So every nspawn process first moves into a cgroup of its own, in the hierarchies systemd
// uses to track processes (name=systemd and the unified one on a hybrid host, the single
// tree on a cgroup v2 host). Resource controllers are left as the caller set them.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hostOfMachine } from './names';

const GROUP = 'hakube-lab';

/** The mount points of the hierarchies systemd tracks processes in. */
function trackingHierarchies(): string[] {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f.length > 3);
  const cgroup2 = mounts.filter((f) => f[2] === 'cgroup2').map((f) => f[1]);
  const named = mounts
    .filter((f) => f[2] === 'cgroup' && f[3].split(',').includes('name=systemd'))
    .map((f) => f[1]);
  return [...named, ...cgroup2];
}

const machineCgroups = (lab: string, host: string) =>
  trackingHierarchies().map((h) => join(h, GROUP, `${lab}-${host}`));

/** Creates the machine's cgroups; returns the cgroup.procs files its nspawn process joins. */
export function ensureMachineCgroups(lab: string, host: string): string[] {
  return machineCgroups(lab, host).map((dir) => {
    mkdirSync(dir, { recursive: true });
    return join(dir, 'cgroup.procs');
  });
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
  for (const dir of machineCgroups(lab, host)) removeTree(dir);
}

/** Cgroups of a lab's machines that no record mentions (a crash between steps). */
export function removeLabCgroups(lab: string): void {
  for (const h of trackingHierarchies()) {
    const parent = join(h, GROUP);
    if (!existsSync(parent)) continue;
    for (const entry of readdirSync(parent))
      if (hostOfMachine(lab, entry) !== undefined) removeTree(join(parent, entry));
  }
}
