// The SSH layer against two real sshd processes on loopback (the second one also serves as
// the host behind a bastion). Needs /usr/sbin/sshd (Debian package openssh-server).
import { after, before, describe } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeLocalSshd, sshdAvailable, startLocalSshd, type LocalSshd } from '../../helpers/local-sshd';
import { defineSshSuite, type EndpointHost } from './ssh-suite';

const servers: Partial<Record<EndpointHost, LocalSshd>> = {};
const localDir = mkdtempSync(join(tmpdir(), 'hakube-ssh-local-'));
const remoteDir = mkdtempSync(join(tmpdir(), 'hakube-ssh-remote-'));

const server = (which: EndpointHost): LocalSshd => {
  const s = servers[which];
  if (!s) throw new Error(`sshd ${which} is not running`);
  return s;
};

describe('ssh layer on a local sshd', { skip: !sshdAvailable() && 'no /usr/sbin/sshd' }, () => {
  before(async () => {
    servers.first = await startLocalSshd();
    servers.second = await startLocalSshd();
  });

  after(async () => {
    for (const s of Object.values(servers)) await removeLocalSshd(s);
    rmSync(localDir, { recursive: true, force: true });
    rmSync(remoteDir, { recursive: true, force: true });
  });

  defineSshSuite({
    localDir,
    remoteDir,
    target: (which, extra = {}) => ({
      name: `local-${which}`,
      address: server(which).address,
      port: server(which).port,
      user: 'root',
      privateKeyPath: server(which).clientKeyPath,
      knownHostsPath: join(localDir, 'known_hosts'),
      hostKeyPolicy: 'trust-on-first-use',
      ...extra,
    }),
    // Both servers run on this machine: the server port in SSH_CONNECTION tells them apart.
    identityCommand: `echo "$SSH_CONNECTION" | cut -d' ' -f4`,
    identity: (which) => String(server(which).port),
    restart: (which) => server(which).restart(),
    regenerateHostKey: (which) => server(which).regenerateHostKey(),
  });
});
