// The SSH layer against real sshd on lab machines (systemd-nspawn): the same suite as the
// local-sshd test, plus what only a machine offers (a reboot, a sudo user).
import { after, before, describe } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteHost, SshPool, type SshTarget } from '../../../activities/ssh';
import { labStartHost, labStopHost, type LabInfo } from '../../../lab';
import { addressOf, bootLab, removeLab } from '../../helpers/lab-fixture';
import { defineSshSuite, type EndpointHost } from './ssh-suite';

const LAB = 't-ssh';
const machine: Record<EndpointHost, string> = { first: 'master-1', second: 'master-2' };
let lab: LabInfo | undefined;
const localDir = mkdtempSync(join(tmpdir(), 'hakube-ssh-'));

function target(which: EndpointHost, extra: Partial<SshTarget> = {}): SshTarget {
  if (!lab) throw new Error('lab is not up');
  return {
    name: machine[which],
    address: addressOf(lab, machine[which]),
    port: 22,
    user: 'root',
    privateKeyPath: lab.sshKeyPath,
    knownHostsPath: join(localDir, 'known_hosts'),
    hostKeyPolicy: 'trust-on-first-use',
    ...extra,
  };
}

/** One root command on a machine, on a connection of its own. */
async function asRoot(which: EndpointHost, command: string): Promise<void> {
  const pool = new SshPool();
  try {
    await new RemoteHost(pool, target(which)).run(command);
  } finally {
    pool.closeAll();
  }
}

describe('ssh layer on lab machines', () => {
  before(async () => {
    lab = await bootLab(LAB, 2);
  });

  after(async () => {
    await removeLab(LAB);
    rmSync(localDir, { recursive: true, force: true });
  });

  defineSshSuite({
    localDir,
    remoteDir: '/var/tmp/hakube-test',
    target,
    identityCommand: 'hostname',
    identity: (which) => machine[which],
    restart: async (which) => {
      await labStopHost(LAB, machine[which]);
      await labStartHost(LAB, machine[which]);
    },
    regenerateHostKey: (which) =>
      asRoot(which, 'rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && systemctl restart ssh'),
    sudoUser: async () => {
      await asRoot(
        'second',
        'id ops >/dev/null 2>&1 || useradd -m -s /bin/bash ops; mkdir -p ~ops/.ssh && cp /root/.ssh/authorized_keys ~ops/.ssh/ && chown -R ops ~ops/.ssh && echo "ops ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/ops',
      );
      return 'ops';
    },
  });
});
