// The lab's base tree: a debootstrap'd Debian bookworm with systemd and sshd plus the OS
// packages hakube's install expects on a server, built once and cached by the hash of its
// recipe outside the clone. Machines run on overlays of it and never change it.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hakubeCache } from './names';
import { run, runStreaming } from './exec';

const SUITE = 'bookworm';

/** What a freshly provisioned server has, plus what hakube's install uses. No etcd/kube/containerd. */
export const BASE_PACKAGES = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'libpam-systemd',
  'openssh-server',
  'sudo',
  'iproute2',
  'iputils-ping',
  'ca-certificates',
  'curl',
  'procps',
  'psmisc',
  'kmod',
  'util-linux',
  'less',
  'tar',
  'gzip',
  'systemd-timesyncd',
  'haproxy',
  'keepalived',
  'conntrack',
  'ipset',
  'ipvsadm',
  'socat',
  'iptables',
  'ebtables',
  'ethtool',
  'openssh-client',
  'xz-utils',
];

const SSHD_CONFIG = [
  'PermitRootLogin prohibit-password',
  'PasswordAuthentication no',
  'UseDNS no',
  'MaxSessions 32',
  'MaxStartups 64:30:128',
  '',
].join('\n');

// Host keys are made at a machine's first boot, so every machine has its own.
const HOST_KEYS_UNIT = [
  '[Unit]',
  'Description=Generate SSH host keys (hakube lab)',
  'Before=ssh.service',
  'ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key',
  '',
  '[Service]',
  'Type=oneshot',
  'ExecStart=/usr/bin/ssh-keygen -A',
  '',
  '[Install]',
  'WantedBy=multi-user.target',
  '',
].join('\n');

/** The recipe is the package list, the files written into the tree and the configuration steps. */
export function baseRecipeHash(): string {
  return createHash('sha256')
    .update(
      JSON.stringify({ SUITE, BASE_PACKAGES, SSHD_CONFIG, HOST_KEYS_UNIT, steps: configure.toString() }),
    )
    .digest('hex')
    .slice(0, 16);
}

export function basePath(): string {
  return join(hakubeCache(), 'lab-base', baseRecipeHash(), 'rootfs');
}

/** The Debian mirror apt on this machine uses (debootstrap fetches from the same registry). */
export function debianMirror(): string {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const uri =
      /^URIs:\s*(\S+\/debian)\s*$/m.exec(text)?.[1] ??
      /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\s+/m.exec(text)?.[1];
    if (uri) return uri;
  }
  return 'http://deb.debian.org/debian';
}

async function configure(rootfs: string): Promise<void> {
  writeFileSync(join(rootfs, 'etc/hosts'), '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n');
  writeFileSync(join(rootfs, 'etc/ssh/sshd_config.d/hakube-lab.conf'), SSHD_CONFIG);
  writeFileSync(join(rootfs, 'etc/systemd/system/hakube-ssh-host-keys.service'), HOST_KEYS_UNIT);
  // Empty: each machine gets its own id at first boot. dbus' copy would otherwise be used as
  // every machine's id, so it points at the one in /etc (as on Debian's cloud images).
  writeFileSync(join(rootfs, 'etc/machine-id'), '');
  rmSync(join(rootfs, 'var/lib/dbus/machine-id'), { force: true });
  symlinkSync('/etc/machine-id', join(rootfs, 'var/lib/dbus/machine-id'));
  writeFileSync(join(rootfs, 'etc/resolv.conf'), '# lab machines have no DNS beyond /etc/hosts\n');
  await run('sh', [
    '-c',
    `rm -f ${rootfs}/etc/ssh/ssh_host_* && rm -rf ${rootfs}/var/cache/apt/archives/*.deb ${rootfs}/var/lib/apt/lists/*`,
  ]);
  mkdirSync(join(rootfs, 'root/.ssh'), { recursive: true, mode: 0o700 });
  // hakube configures and starts these itself; a fresh server has them installed but idle.
  await run('systemctl', [`--root=${rootfs}`, 'disable', 'haproxy.service', 'keepalived.service']);
  await run('systemctl', [`--root=${rootfs}`, 'enable', 'ssh.service', 'hakube-ssh-host-keys.service']);
  // Units that cannot work inside a container and would only mark the machine degraded.
  await run('systemctl', [
    `--root=${rootfs}`,
    'mask',
    'systemd-modules-load.service',
    'sys-kernel-config.mount',
    'systemd-sysctl.service',
  ]);
}

/** Builds the base tree when its recipe changed (or it was never built); returns its path. */
export async function ensureBase(onProgress: (line: string) => void): Promise<string> {
  const target = basePath();
  if (existsSync(join(target, 'etc/os-release'))) return target;
  const work = `${target}.build-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  onProgress(`building the lab base tree (debootstrap ${SUITE}, cached at ${target})`);
  const started = Date.now();
  let lines = 0;
  await runStreaming(
    'debootstrap',
    ['--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, SUITE, work, debianMirror()],
    (line) => {
      if (++lines % 40 === 0 || line.startsWith('I: Base system installed'))
        onProgress(`  debootstrap: ${line}`);
    },
  );
  await configure(work);
  if (existsSync(join(target, 'etc/os-release'))) rmSync(work, { recursive: true, force: true });
  else {
    rmSync(target, { recursive: true, force: true });
    renameSync(work, target);
  }
  onProgress(`base tree ready in ${Math.round((Date.now() - started) / 1000)} s`);
  return target;
}
