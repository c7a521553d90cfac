// Turns a host of the spec into an SSH target (per-host overrides, bastion, known_hosts) and
// hands out Hosts backed by one shared connection pool.
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { Cluster, HostSpec } from '../cluster/spec';
import { cancellationSignal, type HostProvider } from './context';
import { RemoteHost, SshPool, type SshTarget } from './ssh';

/** A path from the spec: `~` is the home folder, a relative path is taken from the working folder. */
export function expandPath(path: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : join(process.cwd(), path);
}

const expandOptional = (path: string | undefined) => (path === undefined ? undefined : expandPath(path));

export function sshTargetFor(
  cluster: Cluster,
  host: HostSpec,
  env: NodeJS.ProcessEnv = process.env,
): SshTarget {
  const ssh = cluster.spec.ssh;
  const user = host.ssh?.user ?? ssh.user;
  // Read here, on the worker: whose agent answers is the worker's business, never the spec's.
  const agentSocket = ssh.agent ? (env.SSH_AUTH_SOCK ?? '') : undefined;
  return {
    name: host.name,
    address: host.address,
    port: host.ssh?.port ?? ssh.port,
    user,
    privateKeyPath: expandOptional(host.ssh?.privateKeyPath ?? ssh.privateKeyPath),
    passphraseFile: expandOptional(host.ssh?.privateKeyPassphraseFile ?? ssh.privateKeyPassphraseFile),
    agentSocket,
    sudo: ssh.sudo ?? user !== 'root',
    knownHostsPath: expandPath(ssh.knownHosts.path),
    hostKeyPolicy: ssh.knownHosts.policy,
    connectTimeoutMs: ssh.connectTimeoutSeconds * 1000,
    bastion: ssh.bastion
      ? {
          address: ssh.bastion.address,
          port: ssh.bastion.port,
          user: ssh.bastion.user ?? user,
          privateKeyPath: expandOptional(ssh.bastion.privateKeyPath ?? ssh.privateKeyPath),
          passphraseFile: expandOptional(
            ssh.bastion.privateKeyPassphraseFile ?? ssh.privateKeyPassphraseFile,
          ),
          agentSocket,
        }
      : undefined,
  };
}

export function createSshHostProvider(pool: SshPool): HostProvider {
  // Every remote command, upload and download ends when its activity is cancelled.
  return {
    hostFor: (cluster, host) => new RemoteHost(pool, sshTargetFor(cluster, host), cancellationSignal),
  };
}

/** A host provider on a pool of its own for one piece of work (a CLI command); the pool is closed after. */
export async function withSshHostProvider<T>(run: (hosts: HostProvider) => Promise<T>): Promise<T> {
  const pool = new SshPool();
  try {
    return await run(createSshHostProvider(pool));
  } finally {
    pool.closeAll();
  }
}
