// bench/ssh: what one SSH round trip and one artifact upload cost hakube, on a lab machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProofScenario } from '../scenario';
import { measureSsh } from './ssh-figures';
import { openSshLab } from './ssh-lab';

const LAB = 'pb-ssh';
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

export const sshBench: ProofScenario = {
  name: 'bench/ssh',
  kind: 'bench',
  claim:
    'SSH cost on a lab machine: pooled exec median and p99 vs a fresh connection, SFTP upload throughput',
  minutes: 1,
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'hakube-proof-ssh-'));
    const lab = await openSshLab(LAB, ctx.log);
    try {
      const f = await measureSsh(lab.target, {
        iterations: 200,
        uploadMiB: 100,
        remotePath: '/var/tmp/bench-payload',
        workDir: dir,
      });
      return {
        ok: f.uploadBytesSent === f.uploadMiB * 1024 * 1024 && f.verifyBytesSent === 0,
        summary:
          `pooled exec median ${f.pooledMedianMs.toFixed(1)} ms, p99 ${f.pooledP99Ms.toFixed(1)} ms (n=${f.pooledN}); ` +
          `fresh connection median ${f.freshMedianMs.toFixed(0)} ms; ` +
          `SFTP ${f.uploadMiB} MiB at ${f.uploadMiBps.toFixed(0)} MiB/s; re-upload ${f.verifySeconds.toFixed(2)} s, 0 bytes`,
        figures: {
          pooledMedianMs: round(f.pooledMedianMs, 2),
          pooledP99Ms: round(f.pooledP99Ms, 2),
          freshMedianMs: round(f.freshMedianMs, 2),
          freshP99Ms: round(f.freshP99Ms, 2),
          uploadMiBps: round(f.uploadMiBps),
          uploadSeconds: round(f.uploadSeconds, 2),
          verifySeconds: round(f.verifySeconds, 2),
        },
        details: { target: `${lab.target.address}:${lab.target.port}`, ...f },
      };
    } finally {
      await lab.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
