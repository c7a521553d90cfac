// Pinned host keys in an OpenSSH known_hosts file (plain and hashed names, wildcards and
// negations, @revoked keys). Unknown hosts are recorded on first contact (trust on first use,
// logged) unless the policy is strict; a changed or revoked key is refused.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
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

export interface KnownHostsEntry {
  /** `@revoked`: never accept this key; `@cert-authority`: a CA for host certificates (not used). */
  marker?: 'revoked' | 'cert-authority';
  patterns: string;
  keyType: string;
  base64: string;
}

/** The lines of a known_hosts file, as OpenSSH reads them (comments and blank lines skipped). */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) continue;
    let marker: KnownHostsEntry['marker'];
    if (fields[0].startsWith('@')) {
      const m = fields.shift() as string;
      if (m !== '@revoked' && m !== '@cert-authority') continue; // unknown marker: OpenSSH skips the line
      marker = m === '@revoked' ? 'revoked' : 'cert-authority';
    }
    const [patterns, keyType, base64] = fields;
    if (patterns && keyType && base64) entries.push({ marker, patterns, keyType, base64 });
  }
  return entries;
}

/** One pattern of OpenSSH's: `*` and `?` wildcards, case-insensitive. */
function wildcardMatch(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** A hashed name (`|1|salt|hash`, HashKnownHosts): HMAC-SHA1 of the name under the salt. */
function hashedMatch(entry: string, name: string): boolean {
  const [, kind, salt, hash] = entry.split('|');
  if (kind !== '1' || !salt || !hash) return false;
  const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  const want = Buffer.from(hash, 'base64');
  return want.length === mac.length && timingSafeEqual(want, mac);
}

/** Whether `name` is one of `patterns` (comma-separated; `!pattern` excludes; hashed entries too). */
export function hostMatches(patterns: string, name: string): boolean {
  if (patterns.startsWith('|')) return hashedMatch(patterns, name);
  let matched = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (wildcardMatch(p.slice(1), name)) return false;
    } else if (wildcardMatch(p, name)) matched = true;
  }
  return matched;
}

function entriesFor(file: string, hostName: string): KnownHostsEntry[] {
  if (!existsSync(file)) return [];
  return parseKnownHosts(readFileSync(file, 'utf8')).filter((e) => hostMatches(e.patterns, hostName));
}

/** The keys pinned for `hostName` (revoked keys and CA lines are not pins). */
export function lookupKnownKeys(file: string, hostName: string): KnownKey[] {
  return entriesFor(file, hostName)
    .filter((e) => e.marker === undefined)
    .map(({ keyType, base64 }) => ({ keyType, base64 }));
}

export interface HostKeyDecision {
  accepted: boolean;
  recorded?: boolean;
  error?: SshError;
}

export type HostKeyStatus = 'known' | 'unknown' | 'changed' | 'revoked';

/** What known_hosts says of the key `hostName` presented. */
export function hostKeyStatus(file: string, hostName: string, blob: Buffer): HostKeyStatus {
  const presented = blob.toString('base64');
  const entries = entriesFor(file, hostName);
  if (entries.some((e) => e.marker === 'revoked' && e.base64 === presented)) return 'revoked';
  const pins = entries.filter((e) => e.marker === undefined);
  if (pins.some((k) => k.base64 === presented)) return 'known';
  return pins.length > 0 ? 'changed' : 'unknown';
}

/** Records a key for `hostName` (trust on first use, or `hakube hosts scan --accept`). */
export function recordHostKey(file: string, hostName: string, blob: Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${hostName} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`, { mode: 0o600 });
}

/** Decides about the key a server presented; records it when trust-on-first-use applies. */
export function checkHostKey(
  file: string,
  hostName: string,
  blob: Buffer,
  policy: 'strict' | 'trust-on-first-use',
  log: (msg: string) => void,
): HostKeyDecision {
  const key = `${keyTypeOf(blob)} ${fingerprint(blob)}`;
  switch (hostKeyStatus(file, hostName, blob)) {
    case 'known':
      return { accepted: true };
    case 'revoked':
      return {
        accepted: false,
        error: new SshError(
          ErrorTypes.HostKeyMismatch,
          `${hostName}: host key ${key} is marked @revoked in ${file}`,
        ),
      };
    case 'changed':
      return {
        accepted: false,
        error: new SshError(
          ErrorTypes.HostKeyMismatch,
          `${hostName}: host key changed (now ${key}, ${file} has a different one); ` +
            'if the host was reinstalled, remove its line from the file after checking the new key',
        ),
      };
    case 'unknown':
      if (policy === 'strict')
        return {
          accepted: false,
          error: new SshError(
            ErrorTypes.HostKeyUnknown,
            `${hostName}: unknown host key ${fingerprint(blob)}, and ${file} is strict; compare it with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and record it with hakube hosts scan --accept`,
          ),
        };
      recordHostKey(file, hostName, blob);
      log(`trust on first use: recorded ${hostName} ${key} in ${file}`);
      return { accepted: true, recorded: true };
  }
}
