// Turns a host of the spec into an SSH target (per-host overrides, bastion, known_hosts) and
// hands out Hosts backed by one shared connection pool.
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { Cluster, HostSpec } from '../cluster/spec';
import type { HostProvider } from './context';
import { RemoteHost, SshPool, type SshTarget } from './ssh';

function expand(path: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : join(process.cwd(), path);
}

export function sshTargetFor(cluster: Cluster, host: HostSpec): SshTarget {
  const ssh = cluster.spec.ssh;
  const user = host.ssh?.user ?? ssh.user;
  return {
    name: host.name,
    address: host.address,
    port: host.ssh?.port ?? ssh.port,
    user,
    privateKeyPath: expand(host.ssh?.privateKeyPath ?? ssh.privateKeyPath),
    sudo: ssh.sudo ?? user !== 'root',
    knownHostsPath: expand(ssh.knownHosts.path),
    hostKeyPolicy: ssh.knownHosts.policy,
    connectTimeoutMs: ssh.connectTimeoutSeconds * 1000,
    bastion: ssh.bastion
      ? {
          address: ssh.bastion.address,
          port: ssh.bastion.port,
          user: ssh.bastion.user ?? user,
          privateKeyPath: expand(ssh.bastion.privateKeyPath ?? ssh.privateKeyPath),
        }
      : undefined,
  };
}

export function createSshHostProvider(pool: SshPool): HostProvider {
  return { hostFor: (cluster, host) => new RemoteHost(pool, sshTargetFor(cluster, host)) };
}
