// A real OpenSSH server on loopback for the SSH tests and the benchmark: a private config, a
// generated host key and client key, `sshd -D` as a child of the test process. No lab needed.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort } from './ports';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshTarget } from '../../activities/ssh';

export const SSHD_PATH = '/usr/sbin/sshd';
const SFTP_SERVER = ['/usr/lib/openssh/sftp-server', '/usr/lib/sftp-server', '/usr/libexec/sftp-server'];

export interface LocalSshd {
  readonly address: string;
  readonly port: number;
  /** Private folder: config, keys, pid file, authorized_keys. */
  readonly dir: string;
  /** A key the server accepts (for root, or any user it is authorized for). */
  readonly clientKeyPath: string;
  /** Stops the listener and every connection it serves (clients see a reset). */
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** New host key, then a restart: clients that pinned the old one must refuse it. */
  regenerateHostKey(): Promise<void>;
}

/** Root on this server, its host key trusted on first use into `knownHostsPath`. */
export function localSshdTarget(sshd: LocalSshd, name: string, knownHostsPath: string): SshTarget {
  return {
    name,
    address: sshd.address,
    port: sshd.port,
    user: 'root',
    privateKeyPath: sshd.clientKeyPath,
    knownHostsPath,
    hostKeyPolicy: 'trust-on-first-use',
  };
}

export function sshdAvailable(): boolean {
  return existsSync(SSHD_PATH);
}

function keygen(path: string): void {
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hakube-test', '-f', path]);
}

/** Resolves once the port answers with an SSH banner. */
async function waitForBanner(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.setTimeout(1000, () => sock.destroy());
      sock.once('data', (d: Buffer) => {
        sock.destroy();
        resolve(d.toString().startsWith('SSH-'));
      });
      sock.once('error', () => resolve(false));
      sock.once('close', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd on port ${port} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Process ids below pid (sshd forks one process per connection, and more per session). */
function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const walk = (p: number) =>
    (children.get(p) ?? []).forEach((c) => {
      found.push(c);
      walk(c);
    });
  walk(pid);
  return found;
}

export async function startLocalSshd(opts: { extraConfig?: string[] } = {}): Promise<LocalSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-sshd-'));
  const port = await freePort();
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  const clientKey = join(dir, 'client_key');
  keygen(hostKey);
  keygen(clientKey);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`), { mode: 0o600 });
  // sshd refuses to start without its privilege-separation folder.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const sftp = SFTP_SERVER.find((p) => existsSync(p)) ?? 'internal-sftp';
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress 127.0.0.1`,
      `Port ${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      // The temp folder sits under world-writable /tmp, which StrictModes rejects.
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'MaxSessions 10',
      'AllowTcpForwarding yes',
      `Subsystem sftp ${sftp}`,
      'LogLevel ERROR',
      ...(opts.extraConfig ?? []),
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  let stderr = '';
  const start = async () => {
    stderr = '';
    child = spawn(SSHD_PATH, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await waitForBanner(port);
    } catch (err) {
      throw new Error(`${(err as Error).message}: ${stderr}`, { cause: err });
    }
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c?.pid || c.exitCode !== null) return;
    // Connections live in forked children; kill them too so clients see the drop. Freeze them
    // all first: killed one by one, a session's sshd could still report its command's death as
    // an exit status before its own connection dropped (seen under load).
    const pids = descendants(c.pid);
    for (const signal of ['SIGSTOP', 'SIGKILL'] as const)
      for (const pid of pids) {
        try {
          process.kill(pid, signal);
        } catch {
          // already gone
        }
      }
    c.kill('SIGTERM');
    await once(c, 'exit');
  };
  await start();
  return {
    address: '127.0.0.1',
    port,
    dir,
    clientKeyPath: clientKey,
    start,
    stop: async () => {
      await stop();
    },
    restart: async () => {
      await stop();
      await start();
    },
    regenerateHostKey: async () => {
      await stop();
      keygen(hostKey);
      await start();
    },
  };
}

/** Stops the server and removes its folder. */
export async function removeLocalSshd(sshd: LocalSshd): Promise<void> {
  await sshd.stop();
  rmSync(sshd.dir, { recursive: true, force: true });
}
