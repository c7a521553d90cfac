// What ssh2 is given to authenticate: the key file (decrypted with the passphrase from its file
// when it is protected) and/or the ssh-agent socket. Every problem is an AuthenticationFailed
// that names the file, never the passphrase: retrying cannot fix a missing or wrong one.
import { readFileSync, statSync } from 'node:fs';
import { utils, type ConnectConfig } from 'ssh2';
import { ErrorTypes } from '../../cluster/errors';
import { SshError } from './errors';
import type { SshCredentials } from './types';

const refused = (message: string) => new SshError(ErrorTypes.AuthenticationFailed, message);

function readSecretFile(path: string, what: string, where: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw refused(`${where}: cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

/** The passphrase: the file's first line. Like ssh with keys, a file others may read is refused. */
function readPassphrase(path: string, where: string): string {
  const text = readSecretFile(path, 'passphrase file', where).toString('utf8');
  if ((statSync(path).mode & 0o077) !== 0)
    throw refused(`${where}: passphrase file ${path} is readable by others: chmod 600 ${path}`);
  const passphrase = text.split(/\r?\n/)[0];
  if (!passphrase) throw refused(`${where}: passphrase file ${path} is empty`);
  return passphrase;
}

export function authConfig(
  creds: SshCredentials,
  where: string,
): Pick<ConnectConfig, 'privateKey' | 'passphrase' | 'agent' | 'agentForward'> {
  if (creds.agentSocket === '')
    throw refused(
      `${where}: the spec asks for the ssh-agent (ssh.agent: true) but the worker has no SSH_AUTH_SOCK`,
    );
  const config: Pick<ConnectConfig, 'privateKey' | 'passphrase' | 'agent' | 'agentForward'> = {
    // Never: a forwarded agent lets root on any host use our keys on every other host.
    agentForward: false,
    ...(creds.agentSocket ? { agent: creds.agentSocket } : {}),
  };
  if (creds.privateKeyPath === undefined) {
    if (!creds.agentSocket) throw refused(`${where}: no private key and no ssh-agent to authenticate with`);
    return config;
  }
  const key = readSecretFile(creds.privateKeyPath, 'private key', where);
  const passphrase = creds.passphraseFile ? readPassphrase(creds.passphraseFile, where) : undefined;
  // Parsed here, so a protected key without (or with the wrong) passphrase says so by name
  // instead of failing inside the handshake as a refused login.
  const parsed = utils.parseKey(key, passphrase);
  if (parsed instanceof Error) {
    if (/no passphrase given/i.test(parsed.message))
      throw refused(
        `${where}: private key ${creds.privateKeyPath} is passphrase-protected: name a file holding its passphrase in ssh.privateKeyPassphraseFile, or use ssh.agent`,
      );
    if (passphrase !== undefined && /passphrase|decrypt/i.test(parsed.message))
      throw refused(
        `${where}: the passphrase in ${creds.passphraseFile} does not decrypt private key ${creds.privateKeyPath}`,
      );
    throw refused(`${where}: private key ${creds.privateKeyPath} cannot be read as a key: ${parsed.message}`);
  }
  return { ...config, privateKey: key, ...(passphrase !== undefined ? { passphrase } : {}) };
}
