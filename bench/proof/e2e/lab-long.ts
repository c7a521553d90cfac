// e2e/lab-long: the whole lab e2e file, including the tests too long for the suite's time budget
// (longLabTest in test/e2e/lab/installed-lab.ts: the etcd CA rotation and the encryption-key
// rotation on the installed lab), as the suite runs it but with HAKUBE_E2E_LONG=1.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ProofScenario } from '../scenario';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const E2E_FILE = join(REPO_ROOT, 'dist', 'test', 'e2e', 'install-lab.test.js');

/** `# pass N` and friends from node --test's TAP summary. */
function count(tap: string, what: string): number {
  return Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(tap)?.[1] ?? NaN);
}

export const labLong: ProofScenario = {
  name: 'e2e/lab-long',
  kind: 'fault',
  claim:
    'the whole lab e2e passes, the long tests CI leaves out included (etcd CA and encryption-key rotation)',
  minutes: 60,
  async run(ctx) {
    const child = spawn(
      process.execPath,
      ['--test', '--test-concurrency=1', '--test-reporter=tap', E2E_FILE],
      { env: { ...process.env, HAKUBE_E2E_LONG: '1' }, cwd: REPO_ROOT },
    );
    let tap = '';
    child.stdout.on('data', (d: Buffer) => {
      tap += d.toString();
      for (const line of d.toString().split('\n')) if (/^(not )?ok \d+ - /.test(line)) ctx.log(line);
    });
    child.stderr.on('data', (d: Buffer) => (tap += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const figures = {
      tests: count(tap, 'tests'),
      pass: count(tap, 'pass'),
      fail: count(tap, 'fail'),
      skipped: count(tap, 'skipped'),
    };
    const failed = [...tap.matchAll(/^not ok \d+ - (.*)$/gm)].map((m) => m[1]);
    return {
      ok: code === 0 && figures.fail === 0 && figures.pass > 0,
      summary: `${figures.pass}/${figures.tests} passed, ${figures.fail} failed, ${figures.skipped} skipped`,
      figures,
      details: { failed },
    };
  },
};
