// The SSH measurement shared by `node dist/bench/ssh.js` and the proof scenario `bench/ssh`:
// latency of a trivial command on a pooled connection vs a fresh connection per command, and
// ensureFile throughput (hash both sides + SFTP + rename) of a random file, then the same call
// again (hash compare only). Figures only; nothing is asserted.
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteHost, SshPool, type SshTarget } from '../../../activities/ssh';

export interface SshFigures {
  pooledN: number;
  pooledMedianMs: number;
  pooledP99Ms: number;
  freshN: number;
  freshMedianMs: number;
  freshP99Ms: number;
  uploadMiB: number;
  uploadSeconds: number;
  uploadMiBps: number;
  uploadBytesSent: number;
  /** The second ensureFile of the same content: both sides hashed, nothing sent. */
  verifySeconds: number;
  verifyBytesSent: number;
}

export interface SshMeasureOptions {
  /** Pooled exec samples; fresh-connection samples are capped at 50 (each is a full handshake). */
  iterations: number;
  uploadMiB: number;
  /** Where the payload goes on the target (removed afterwards). */
  remotePath: string;
  /** A local scratch folder for the payload file. */
  workDir: string;
}

/** The p-th percentile of ascending `sorted` (nearest rank, so p99 of 200 samples is the 198th). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function timeEach(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out.sort((a, b) => a - b);
}

export async function measureSsh(target: SshTarget, opts: SshMeasureOptions): Promise<SshFigures> {
  const pool = new SshPool();
  const pooled = new RemoteHost(pool, target);
  const file = join(opts.workDir, 'bench-payload');
  try {
    await pooled.run('true'); // the handshake is not part of the pooled figure
    const pooledTimes = await timeEach(opts.iterations, () => pooled.run('true'));
    const freshTimes = await timeEach(Math.min(opts.iterations, 50), async () => {
      const p = new SshPool();
      try {
        await new RemoteHost(p, target).run('true');
      } finally {
        p.closeAll();
      }
    });
    writeFileSync(file, randomBytes(opts.uploadMiB * 1024 * 1024));
    await pooled.ensureAbsent(opts.remotePath); // a leftover of an earlier run would make it a no-op
    const t = Date.now();
    const first = await pooled.ensureFile(opts.remotePath, { localPath: file });
    const uploadSeconds = (Date.now() - t) / 1000;
    const t2 = Date.now();
    const second = await pooled.ensureFile(opts.remotePath, { localPath: file });
    const verifySeconds = (Date.now() - t2) / 1000;
    await pooled.ensureAbsent(opts.remotePath);
    return {
      pooledN: pooledTimes.length,
      pooledMedianMs: percentile(pooledTimes, 50),
      pooledP99Ms: percentile(pooledTimes, 99),
      freshN: freshTimes.length,
      freshMedianMs: percentile(freshTimes, 50),
      freshP99Ms: percentile(freshTimes, 99),
      uploadMiB: opts.uploadMiB,
      uploadSeconds,
      uploadMiBps: opts.uploadMiB / uploadSeconds,
      uploadBytesSent: first.bytesTransferred,
      verifySeconds,
      verifyBytesSent: second.bytesTransferred,
    };
  } finally {
    pool.closeAll();
    rmSync(file, { force: true });
  }
}

/** The figures as the lines `bench/ssh.js` prints. */
export function sshFigureLines(f: SshFigures): string[] {
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  return [
    `exec "true", pooled connection (n=${f.pooledN}): median ${ms(f.pooledMedianMs)}, p99 ${ms(f.pooledP99Ms)}`,
    `exec "true", fresh connection each (n=${f.freshN}): median ${ms(f.freshMedianMs)}, p99 ${ms(f.freshP99Ms)}`,
    `ensureFile ${f.uploadMiB} MiB (hash both sides + SFTP + rename): ${f.uploadSeconds.toFixed(2)} s = ` +
      `${f.uploadMiBps.toFixed(0)} MiB/s, ${f.uploadBytesSent} bytes sent`,
    `second ensureFile of the same file (hash compare only): ${f.verifySeconds.toFixed(2)} s, ${f.verifyBytesSent} bytes sent`,
  ];
}
