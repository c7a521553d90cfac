// One lab machine: an overlay of the base tree booted by systemd-nspawn in its own network
// namespace. Machines are not registered with machined (--register=no, --keep-unit): the hosts
// the lab runs on usually have no systemd as PID 1, so we track the nspawn process ourselves.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { HOST_NAME_PATTERN, hostDir, machineName, netnsName } from './names';
import { ensureMachineCgroups, removeMachineCgroups } from './cgroups';
import { run, sleep, tryRun } from './exec';
import { labGateway } from './network';

export interface MachineSpec {
  lab: string;
  host: string;
  address: string;
  /** Every lab host, for /etc/hosts. */
  peers: { name: string; address: string }[];
  authorizedKey: string;
}

const paths = (lab: string, host: string) => {
  const dir = hostDir(lab, host);
  return {
    dir,
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    root: join(dir, 'rootfs'),
    pid: join(dir, 'nspawn.pid'),
    log: join(dir, 'nspawn.log'),
    containerd: join(dir, 'containerd'),
  };
};

export function isMounted(path: string): boolean {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[1] === path);
}

export async function ensureOverlay(lab: string, host: string, base: string): Promise<string> {
  const p = paths(lab, host);
  for (const d of [p.upper, p.work, p.root]) mkdirSync(d, { recursive: true });
  if (!isMounted(p.root)) {
    await run('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${base},upperdir=${p.upper},workdir=${p.work}`,
      p.root,
    ]);
  }
  return p.root;
}

/** Per-machine identity: hostname, /etc/hosts (minbase has none), root's authorized key. */
export function writeMachineFiles(spec: MachineSpec): void {
  const root = paths(spec.lab, spec.host).root;
  writeFileSync(join(root, 'etc/hostname'), `${spec.host}\n`);
  const hosts = ['127.0.0.1 localhost', `127.0.1.1 ${spec.host}`, '::1 localhost ip6-localhost ip6-loopback'];
  hosts.push(...spec.peers.map((p) => `${p.address} ${p.name}`));
  writeFileSync(join(root, 'etc/hosts'), `${hosts.join('\n')}\n`);
  // Resolvers need a nameserver to forward to (CoreDNS refuses to start without one): the host's
  // bridge address, where nothing answers DNS, so names outside the lab fail at once.
  writeFileSync(
    join(root, 'etc/resolv.conf'),
    `# hakube lab: no DNS beyond /etc/hosts and the cluster's own\nnameserver ${labGateway(spec.address)}\n`,
  );
  mkdirSync(join(root, 'root/.ssh'), { recursive: true, mode: 0o700 });
  writeFileSync(join(root, 'root/.ssh/authorized_keys'), `${spec.authorizedKey.trim()}\n`, { mode: 0o600 });
}

/**
 * The machine's PID 1 as nspawn starts it: makes the cgroup v1 controller hierarchies that nspawn
 * mounted read-only writable, then becomes systemd. systemd decides at start which controllers it
 * manages (those it can write to); a remount after boot would leave them unmanaged until a
 * `systemctl daemon-reexec`. Remounting only the bind mount (`remount,bind,rw`) is what works:
 * a plain `remount,rw` answers "busy" for a hierarchy that is also mounted on the host. On a
 * cgroup v2 host there is nothing to do: nspawn mounts the machine's (delegated) tree writable.
 */
export const MACHINE_INIT_PATH = '/usr/local/lib/hakube-lab/init';
export const MACHINE_INIT = [
  '#!/bin/sh',
  '# hakube lab (lab/machine.ts): writable cgroup controllers for containers, then boot systemd.',
  'for d in /sys/fs/cgroup/*; do',
  '  [ -d "$d" ] && [ ! -L "$d" ] || continue',
  '  [ "$(stat -fc %T "$d" 2>/dev/null)" = cgroupfs ] || continue',
  '  mount -o remount,bind,rw "$d" || echo "hakube-lab-init: $d stays read-only" >&2',
  'done',
  'exec /lib/systemd/systemd "$@"',
  '',
].join('\n');

function writeMachineInit(root: string): void {
  const file = join(root, MACHINE_INIT_PATH);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, MACHINE_INIT, { mode: 0o755 });
  chmodSync(file, 0o755);
}

/** The nspawn process of this machine, if it runs (a stale pid file or a recycled pid is not). */
export function machinePid(lab: string, host: string): number | undefined {
  const p = paths(lab, host);
  const candidates: number[] = [];
  if (existsSync(p.pid)) candidates.push(Number(readFileSync(p.pid, 'utf8').trim()));
  for (const pid of candidates) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes(`--machine=${machineName(lab, host)}\0`)) return pid;
    } catch {
      // gone
    }
  }
  return undefined;
}

/** Finds nspawn processes of a lab even without state (after a crash): by their --machine argument. */
export async function strayMachinePids(lab: string): Promise<number[]> {
  const r = await tryRun('pgrep', ['-f', `systemd-nspawn .*--machine=${lab}-${HOST_NAME_PATTERN}( |$)`]);
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

export const consoleLog = (lab: string, host: string) => paths(lab, host).log;

/** The last lines of a machine's console, with terminal colour codes removed. */
export function consoleTail(lab: string, host: string, lines = 12): string {
  try {
    const text = readFileSync(paths(lab, host).log, 'utf8').replace(
      new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'),
      '',
    );
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no console log)';
  }
}

/** nspawn options: a booted machine in its own network namespace, privileged enough for Kubernetes. */
function nspawnArgs(lab: string, host: string): string[] {
  const p = paths(lab, host);
  const args = [
    '--keep-unit',
    '--register=no',
    `--machine=${machineName(lab, host)}`,
    `--directory=${p.root}`,
    `--network-namespace-path=/run/netns/${netnsName(lab, host)}`,
    '--console=passive',
    '--link-journal=no',
    '--resolv-conf=off',
    '--timezone=off',
    // A server's file limits, not those of the process that started the machine (haproxy, etcd
    // and kubelet raise theirs and fail under a 1024 hard limit).
    '--rlimit=NOFILE=1048576:1048576',
    // What a server's root has: runc and kubelet need the full capability set, the kernel
    // keyring (runc joins a session keyring; nspawn's filter answers EPERM) and bpf.
    '--capability=all',
    '--system-call-filter=@keyring bpf',
    // containerd's overlayfs snapshotter cannot put its layers on the machine's overlayfs root:
    // its data lives on the host's filesystem (kept across stop/start, removed by lab down).
    `--bind=${p.containerd}:/var/lib/containerd`,
    // Booted like --boot, but through MACHINE_INIT (writable cgroup controllers first); halted
    // as --boot would, with systemd's halt signal.
    '--kill-signal=SIGRTMIN+3',
  ];
  // kubelet's OOM watcher reads the kernel log; modules (if the host has any) are read-only.
  if (existsSync('/dev/kmsg')) args.push('--bind=/dev/kmsg');
  if (existsSync('/lib/modules')) args.push('--bind-ro=/lib/modules');
  // The command: nspawn's options end here.
  args.push(MACHINE_INIT_PATH);
  return args;
}

/**
 * /proc/sys/net writable inside the machine, as on a server: the machine has a network namespace of
 * its own, so what kube-proxy and the OS preparation set there (route_localnet, conntrack timeouts,
 * forwarding) stays in it. Sysctls outside net/ stay read-only.
 */
const NSPAWN_ENV = { SYSTEMD_NSPAWN_API_VFS_WRITABLE: 'network' };

/** With systemd as PID 1 the machine runs as a transient unit with a delegated cgroup. */
export const hostRunsSystemd = () => existsSync('/run/systemd/system');
const unitName = (lab: string, host: string) => `hakube-lab-${machineName(lab, host)}`;

async function startAsUnit(lab: string, host: string): Promise<number> {
  const p = paths(lab, host);
  const unit = unitName(lab, host);
  await run('systemd-run', [
    ...Object.entries(NSPAWN_ENV).map(([k, v]) => `--setenv=${k}=${v}`),
    `--unit=${unit}`,
    '--collect',
    '--quiet',
    '--property=Delegate=yes',
    '--property=KillMode=mixed',
    `--property=StandardOutput=append:${p.log}`,
    `--property=StandardError=append:${p.log}`,
    'systemd-nspawn',
    ...nspawnArgs(lab, host),
  ]);
  const pid = Number((await run('systemctl', ['show', '--property=MainPID', '--value', unit])).trim());
  if (!pid) throw new Error(`${unit} did not start; see ${p.log}`);
  return pid;
}

// Joins the machine's own cgroups (lab/cgroups.ts), then becomes systemd-nspawn (same pid).
const JOIN_CGROUPS_AND_EXEC =
  'for f in $HAKUBE_CGROUP_PROCS; do echo $$ > "$f" || exit 1; done; exec systemd-nspawn "$@"';

function startDetached(lab: string, host: string): number {
  const p = paths(lab, host);
  const procs = ensureMachineCgroups(lab, host);
  const log = openSync(p.log, 'a');
  // Its own session, detached: the machine outlives the CLI that started it.
  const child = spawn('sh', ['-c', JOIN_CGROUPS_AND_EXEC, 'hakube-lab-machine', ...nspawnArgs(lab, host)], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...NSPAWN_ENV, HAKUBE_CGROUP_PROCS: procs.join(' ') },
  });
  closeSync(log);
  child.unref();
  if (!child.pid) throw new Error(`could not start systemd-nspawn for ${host}`);
  return child.pid;
}

export async function startMachine(lab: string, host: string): Promise<number> {
  const running = machinePid(lab, host);
  if (running) return running;
  const p = paths(lab, host);
  mkdirSync(p.containerd, { recursive: true, mode: 0o711 });
  writeMachineInit(p.root);
  const pid = hostRunsSystemd() ? await startAsUnit(lab, host) : startDetached(lab, host);
  writeFileSync(paths(lab, host).pid, `${pid}\n`);
  return pid;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await sleep(200);
  }
  return false;
}

/** Clean power-off (SIGTERM makes nspawn ask the machine's systemd to halt), then force. */
export async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (!(await waitForExit(pid, 30_000))) {
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 10_000);
  }
}

export async function stopMachine(lab: string, host: string): Promise<void> {
  const pid = machinePid(lab, host);
  if (pid) await stopPid(pid);
  rmSync(paths(lab, host).pid, { force: true });
  removeMachineCgroups(lab, host);
}

export async function unmountMachine(lab: string, host: string): Promise<void> {
  const root = paths(lab, host).root;
  if (!isMounted(root)) return;
  if ((await tryRun('umount', [root])).code !== 0) await run('umount', ['-l', root]);
}

export function removeMachineFiles(lab: string, host: string): void {
  rmSync(paths(lab, host).dir, { recursive: true, force: true });
}
