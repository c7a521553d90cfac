// Connection pool keyed by host: one connection reused by every command and transfer to that
// host, reopened when it drops, closed after being idle.
import { SshConnection, type Logger } from './connection';
import type { SshTarget } from './types';

interface Entry {
  connection: Promise<SshConnection>;
  idleTimer?: NodeJS.Timeout;
  users: number;
}

export interface PoolOptions {
  idleMs?: number;
  log?: Logger;
}

/**
 * Everything that decides what a connection may do: a connection opened with one key file or
 * under trust-on-first-use is never handed to a spec that names another key or asks for strict.
 */
export function poolKey(t: SshTarget): string {
  const b = t.bastion;
  return JSON.stringify([
    t.user,
    t.address,
    t.port,
    t.privateKeyPath,
    t.passphraseFile,
    t.agentSocket,
    t.knownHostsPath,
    t.hostKeyPolicy,
    t.sudo === true,
    b ? [b.user, b.address, b.port, b.privateKeyPath, b.passphraseFile, b.agentSocket] : null,
  ]);
}

export class SshPool {
  private readonly entries = new Map<string, Entry>();
  private readonly idleMs: number;
  readonly log: Logger;
  /** Connections opened so far (benchmarks and tests read it). */
  opened = 0;

  constructor(opts: PoolOptions = {}) {
    this.idleMs = opts.idleMs ?? 60_000;
    this.log = opts.log ?? (() => {});
  }

  /** Runs fn with a live connection to the target (reconnecting if the last one dropped). */
  async use<T>(target: SshTarget, fn: (c: SshConnection) => Promise<T>): Promise<T> {
    const key = poolKey(target);
    let entry = this.entries.get(key);
    if (entry && (await entry.connection.then((c) => c.closed).catch(() => true))) {
      this.entries.delete(key);
      entry = undefined;
    }
    if (!entry) {
      this.opened++;
      const connection = SshConnection.open(target, this.log);
      entry = { connection, users: 0 };
      this.entries.set(key, entry);
      connection.catch(() => this.entries.get(key) === entry && this.entries.delete(key));
    }
    const current = entry;
    current.users++;
    clearTimeout(current.idleTimer);
    try {
      return await fn(await current.connection);
    } finally {
      current.users--;
      if (current.users === 0) {
        current.idleTimer = setTimeout(() => this.drop(key, current), this.idleMs);
        current.idleTimer.unref();
      }
    }
  }

  private drop(key: string, entry: Entry): void {
    if (this.entries.get(key) !== entry || entry.users > 0) return;
    this.entries.delete(key);
    entry.connection.then((c) => c.close()).catch(() => {});
  }

  closeAll(): void {
    for (const [key, entry] of this.entries) {
      clearTimeout(entry.idleTimer);
      this.entries.delete(key);
      entry.connection.then((c) => c.close()).catch(() => {});
    }
  }
}
