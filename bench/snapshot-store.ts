// Benchmark: a large etcd snapshot through the backup path, streamed, never held in memory:
// member → local target (SFTP download, sha256 on the way), then target → member (the restore's
// copy, checked there). Prints throughput and how much the process grew; asserts nothing.
//   node dist/bench/snapshot-store.js [MiB]     (default 512; the member is a local sshd)
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localStore } from '../activities/backup/snapshot-store';
import { metadataSigner } from '../activities/backup/metadata-signature';
import { snapshotCipher } from '../activities/backup/snapshot-encryption';
import { RemoteHost, SshPool } from '../activities/ssh';
import type { SnapshotMeta } from '../cluster/backup/snapshots';
import { localSshdTarget, removeLocalSshd, startLocalSshd } from '../test/helpers/local-sshd';

async function writeRandomFile(path: string, mib: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const chunk = randomBytes(1024 * 1024);
  for (let i = 0; i < mib; i++) {
    chunk[0] = i & 0xff; // every MiB differs
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return hash.digest('hex');
}

/** Runs fn while sampling RSS every 50 ms; returns its seconds and the highest RSS growth. */
async function measured(fn: () => Promise<unknown>): Promise<{ s: number; rssGrowthMiB: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const t = Date.now();
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return { s: (Date.now() - t) / 1000, rssGrowthMiB: (peak - base) / 1024 / 1024 };
}

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 512);
  const dir = mkdtempSync(join(tmpdir(), 'hakube-bench-snapshot-'));
  const sshd = await startLocalSshd();
  const pool = new SshPool();
  try {
    const member = new RemoteHost(pool, localSshdTarget(sshd, 'member', join(dir, 'known_hosts')));
    mkdirSync(join(dir, 'member'));
    const onMember = join(dir, 'member', 'snapshot.db');
    const sha256 = await writeRandomFile(onMember, mib);
    const meta: SnapshotMeta = {
      id: 'etcd-bench-20261123T000000Z-r1-00000000',
      cluster: 'bench',
      member: 'member',
      revision: 1,
      totalKeys: 0,
      sizeBytes: mib * 1024 * 1024,
      sha256,
      etcdHash: 0,
      etcdVersion: '3.7.3',
      takenAt: new Date().toISOString(),
    };
    const store = localStore(
      join(dir, 'target'),
      'bench',
      metadataSigner(join(dir, 'signing.key')),
      snapshotCipher(join(dir, 'identity.age')),
    );
    const put = await measured(() => store.put(member, onMember, meta));
    // What a restore reads back: the stored metadata, which names the encryption.
    let stored: Awaited<ReturnType<typeof store.list>>[number] | undefined;
    const verify = await measured(async () => {
      stored = (await store.list()).find((m) => m.id === meta.id);
      if (!stored || (await store.storedSha256(meta.id)) !== stored.encryption?.sha256)
        throw new Error('stored snapshot differs');
    });
    const restored = stored;
    if (!restored) throw new Error('the snapshot was not listed');
    const copy = await measured(() => store.copyTo(member, restored, join(dir, 'member', 'restore.db')));
    const line = (what: string, m: { s: number; rssGrowthMiB: number }) =>
      `${what}: ${m.s.toFixed(2)} s = ${(mib / m.s).toFixed(0)} MiB/s, RSS grew at most ${m.rssGrowthMiB.toFixed(0)} MiB`;
    console.log(`snapshot of ${mib} MiB, member = local sshd on loopback, target = local folder`);
    console.log(line('store (member → target, sha256 checked)', put));
    console.log(line("verify (the target's copy re-hashed, as before a restore)", verify));
    console.log(line('copy back (target → member, checked there)', copy));
  } finally {
    pool.closeAll();
    await removeLocalSshd(sshd);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
