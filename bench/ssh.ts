// Benchmark: latency of a trivial command on a pooled connection vs a fresh connection per
// command, and SFTP upload throughput. Prints figures; asserts nothing.
//   node dist/bench/ssh.js [iterations] [--lab]
// Default target: a private sshd on loopback (test/helpers/local-sshd); --lab uses a lab machine.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteHost, SshPool, type SshTarget } from '../activities/ssh';
import { labDown, labUp } from '../lab';
import { localSshdTarget, removeLocalSshd, startLocalSshd } from '../test/helpers/local-sshd';

const UPLOAD_MIB = 100;

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

/** A target to measure, and how to tear it down. */
async function openTarget(
  lab: boolean,
  dir: string,
): Promise<{ target: SshTarget; close: () => Promise<void> }> {
  if (lab) {
    const info = await labUp({ name: 'bench-ssh', masters: 1, workers: 0 });
    const target: SshTarget = {
      name: 'master-1',
      address: info.hosts[0].address,
      port: 22,
      user: 'root',
      privateKeyPath: info.sshKeyPath,
      knownHostsPath: info.knownHostsPath,
      hostKeyPolicy: 'strict',
    };
    return { target, close: () => labDown({ name: 'bench-ssh' }) };
  }
  const sshd = await startLocalSshd();
  const target = localSshdTarget(sshd, 'local-sshd', join(dir, 'known_hosts'));
  return { target, close: () => removeLocalSshd(sshd) };
}

const stats = (label: string, t: number[]) =>
  `${label} (n=${t.length}): median ${pct(t, 50).toFixed(1)} ms, p99 ${pct(t, 99).toFixed(1)} ms`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const useLab = args.includes('--lab');
  const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 200);
  const dir = mkdtempSync(join(tmpdir(), 'hakube-bench-ssh-'));
  const { target, close } = await openTarget(useLab, dir);
  const remoteFile = useLab ? '/var/tmp/bench-payload' : join(dir, 'remote', 'bench-payload');
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
    writeFileSync(file, randomBytes(UPLOAD_MIB * 1024 * 1024));
    const t = Date.now();
    const first = await pooled.ensureFile(remoteFile, { localPath: file });
    const uploadS = (Date.now() - t) / 1000;
    const t2 = Date.now();
    const second = await pooled.ensureFile(remoteFile, { localPath: file });
    const verifyS = (Date.now() - t2) / 1000;
    await pooled.ensureAbsent(remoteFile);
    pool.closeAll();
    console.log(
      `target: ${useLab ? 'lab machine' : 'local sshd on loopback'} (${target.address}:${target.port})`,
    );
    console.log(stats('exec "true", pooled connection', pooledTimes));
    console.log(stats('exec "true", fresh connection each', freshTimes));
    console.log(
      `ensureFile ${UPLOAD_MIB} MiB (hash both sides + SFTP + rename): ${uploadS.toFixed(2)} s = ` +
        `${(UPLOAD_MIB / uploadS).toFixed(0)} MiB/s, ${first.bytesTransferred} bytes sent`,
    );
    console.log(
      `second ensureFile of the same file (hash compare only): ${verifyS.toFixed(2)} s, ${second.bytesTransferred} bytes sent`,
    );
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
