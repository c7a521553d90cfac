// Benchmark: latency of a trivial command on a pooled connection vs a fresh connection per
// command, and SFTP upload throughput. Prints figures; asserts nothing. The measurement is
// shared with the proof scenario `bench/ssh` (bench/proof/measure/ssh-figures.ts).
//   node dist/bench/ssh.js [iterations] [--lab]
// Default target: a private sshd on loopback (test/helpers/local-sshd); --lab uses a lab machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshTarget } from '../activities/ssh';
import { localSshdTarget, removeLocalSshd, startLocalSshd } from '../test/helpers/local-sshd';
import { measureSsh, sshFigureLines } from './proof/measure/ssh-figures';
import { openSshLab } from './proof/measure/ssh-lab';

const UPLOAD_MIB = 100;

/** A target to measure, and how to tear it down. */
async function openTarget(
  lab: boolean,
  dir: string,
): Promise<{ target: SshTarget; close: () => Promise<void> }> {
  if (lab) return openSshLab('bench-ssh');
  const sshd = await startLocalSshd();
  const target = localSshdTarget(sshd, 'local-sshd', join(dir, 'known_hosts'));
  return { target, close: () => removeLocalSshd(sshd) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const useLab = args.includes('--lab');
  const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 200);
  const dir = mkdtempSync(join(tmpdir(), 'hakube-bench-ssh-'));
  const { target, close } = await openTarget(useLab, dir);
  try {
    const figures = await measureSsh(target, {
      iterations: n,
      uploadMiB: UPLOAD_MIB,
      remotePath: useLab ? '/var/tmp/bench-payload' : join(dir, 'remote', 'bench-payload'),
      workDir: dir,
    });
    console.log(
      `target: ${useLab ? 'lab machine' : 'local sshd on loopback'} (${target.address}:${target.port})`,
    );
    for (const line of sshFigureLines(figures)) console.log(line);
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
