// Benchmark: latency of a trivial command on a pooled connection vs a fresh connection per
// command, and SFTP upload throughput, against a lab machine. Prints figures; asserts nothing.
//   node dist/bench/ssh.js [iterations]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteHost, SshPool, type SshTarget } from '../activities/ssh';
import { labDown, labUp } from '../lab';

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function timeEach(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200);
  const lab = await labUp({ name: 'bench-ssh', masters: 1, workers: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'hakube-bench-ssh-'));
  const target: SshTarget = {
    name: 'master-1',
    address: lab.hosts[0].address,
    port: 22,
    user: 'root',
    privateKeyPath: lab.sshKeyPath,
    knownHostsPath: lab.knownHostsPath,
    hostKeyPolicy: 'strict',
  };
  try {
    const pool = new SshPool();
    const pooled = new RemoteHost(pool, target);
    await pooled.run('true');
    const pooledTimes = await timeEach(n, () => pooled.run('true'));
    const freshTimes = await timeEach(Math.min(n, 50), async () => {
      const p = new SshPool();
      await new RemoteHost(p, target).run('true');
      p.closeAll();
    });
    const file = join(dir, 'payload');
    writeFileSync(file, randomBytes(256 * 1024 * 1024));
    const t = Date.now();
    await pooled.ensureFile('/var/tmp/bench-payload', { localPath: file });
    const uploadS = (Date.now() - t) / 1000;
    const t2 = Date.now();
    await pooled.ensureFile('/var/tmp/bench-payload', { localPath: file });
    const verifyS = (Date.now() - t2) / 1000;
    pool.closeAll();
    console.log(
      `exec "true", pooled connection (n=${pooledTimes.length}): median ${pct(pooledTimes, 50).toFixed(1)} ms, p99 ${pct(pooledTimes, 99).toFixed(1)} ms`,
    );
    console.log(
      `exec "true", fresh connection each (n=${freshTimes.length}): median ${pct(freshTimes, 50).toFixed(1)} ms, p99 ${pct(freshTimes, 99).toFixed(1)} ms`,
    );
    console.log(
      `SFTP upload of 256 MiB (sha256 checks included): ${uploadS.toFixed(1)} s = ${(256 / uploadS).toFixed(0)} MiB/s`,
    );
    console.log(`second ensureFile of the same 256 MiB (hash compare only): ${verifyS.toFixed(1)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await labDown({ name: 'bench-ssh' });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
