// `hakube hosts scan`: the host key each host presents, next to what known_hosts says of it, so a
// person can compare fingerprints out of band before hakube trusts a host (the strict policy).
// Only key exchange happens: no authentication to the scanned host itself (a host behind a
// bastion is reached through an authenticated, already trusted bastion).
import { Client, type ClientChannel } from 'ssh2';
import { classifyConnectError } from './errors';
import { tunnelThroughBastion, type Logger } from './connection';
import {
  fingerprint,
  hostKeyStatus,
  keyTypeOf,
  knownHostsName,
  recordHostKey,
  type HostKeyStatus,
} from './known-hosts';
import type { SshTarget } from './types';

export interface ScannedHost {
  name: string;
  /** The name known_hosts uses: `addr` or `[addr]:port`. */
  hostName: string;
  keyType?: string;
  fingerprint?: string;
  status: HostKeyStatus | 'unreachable';
  error?: string;
  /** Set when `accept` recorded it. */
  accepted?: boolean;
}

/** The host key `address` presents in key exchange (the connection is then dropped). */
export function presentedHostKey(
  address: string,
  port: number,
  timeoutMs: number,
  sock?: ClientChannel,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let key: Buffer | undefined;
    const done = () => {
      client.end();
      if (key) resolve(key);
    };
    client
      .on('error', (err: Error & { level?: string }) => {
        if (key) return done();
        reject(classifyConnectError(err, `${address}:${port}`));
      })
      .on('ready', done)
      .connect({
        host: address,
        port,
        sock,
        username: 'hakube-host-key-scan',
        readyTimeout: timeoutMs,
        hostVerifier: (blob: Buffer) => {
          key = blob;
          return false; // nothing more than the key is wanted
        },
      });
  });
}

/**
 * Scans `targets` (each with its own port and bastion); with `accept`, records the keys of hosts
 * known_hosts has never seen. A changed or revoked key is never recorded: that is a person's call.
 */
export async function scanHostKeys(
  targets: SshTarget[],
  opts: { accept?: boolean; log?: Logger } = {},
): Promise<ScannedHost[]> {
  const log = opts.log ?? (() => {});
  const results: ScannedHost[] = [];
  for (const t of targets) {
    const hostName = knownHostsName(t.address, t.port);
    try {
      const tunnel = t.bastion ? await tunnelThroughBastion(t, log) : undefined;
      let blob: Buffer;
      try {
        blob = await presentedHostKey(t.address, t.port, t.connectTimeoutMs ?? 15_000, tunnel?.sock);
      } finally {
        tunnel?.bastion.end();
      }
      const status = hostKeyStatus(t.knownHostsPath, hostName, blob);
      const row: ScannedHost = {
        name: t.name,
        hostName,
        keyType: keyTypeOf(blob),
        fingerprint: fingerprint(blob),
        status,
      };
      if (opts.accept && status === 'unknown') {
        recordHostKey(t.knownHostsPath, hostName, blob);
        row.accepted = true;
      }
      results.push(row);
    } catch (err) {
      results.push({ name: t.name, hostName, status: 'unreachable', error: (err as Error).message });
    }
  }
  return results;
}
