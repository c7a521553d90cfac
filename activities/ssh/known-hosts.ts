// Pinned host keys in an OpenSSH known_hosts file. Unknown hosts are recorded on first
// contact (trust on first use, logged) unless the policy is strict; a changed key is refused.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createHash } from 'node:crypto';
import { ErrorTypes } from '../../cluster/errors';
import { SshError } from './errors';

export interface KnownKey {
  keyType: string;
  base64: string;
}

/** The name OpenSSH uses for a host in known_hosts: `addr`, or `[addr]:port` off port 22. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** The algorithm name stored at the start of an SSH public key blob. */
export function keyTypeOf(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('ascii');
}

export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function lookupKnownKeys(file: string, hostName: string): KnownKey[] {
  if (!existsSync(file)) return [];
  const keys: KnownKey[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#') || trimmed.startsWith('@')) continue;
    const [hosts, keyType, base64] = trimmed.split(/\s+/);
    if (base64 && hosts.split(',').includes(hostName)) keys.push({ keyType, base64 });
  }
  return keys;
}

export interface HostKeyDecision {
  accepted: boolean;
  recorded?: boolean;
  error?: SshError;
}

/** Decides about the key a server presented; records it when trust-on-first-use applies. */
export function checkHostKey(
  file: string,
  hostName: string,
  blob: Buffer,
  policy: 'strict' | 'trust-on-first-use',
  log: (msg: string) => void,
): HostKeyDecision {
  const presented = blob.toString('base64');
  const known = lookupKnownKeys(file, hostName);
  if (known.some((k) => k.base64 === presented)) return { accepted: true };
  if (known.length > 0) {
    return {
      accepted: false,
      error: new SshError(
        ErrorTypes.HostKeyMismatch,
        `${hostName}: host key changed (now ${keyTypeOf(blob)} ${fingerprint(blob)}, ${file} has a different one); ` +
          'if the host was reinstalled, remove its line from the file after checking the new key',
      ),
    };
  }
  if (policy === 'strict') {
    return {
      accepted: false,
      error: new SshError(
        ErrorTypes.HostKeyUnknown,
        `${hostName}: unknown host key ${fingerprint(blob)}, and ${file} is strict`,
      ),
    };
  }
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${hostName} ${keyTypeOf(blob)} ${presented}\n`, { mode: 0o600 });
  log(`trust on first use: recorded ${hostName} ${keyTypeOf(blob)} ${fingerprint(blob)} in ${file}`);
  return { accepted: true, recorded: true };
}
