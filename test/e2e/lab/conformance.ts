// `hakube conformance` on the installed lab, as a user runs it, on CI's short subset: a few fast
// [Conformance] tests that need only the bundle's own images (agnhost, pause), so CI pays for
// building e2e.test (a Go build cache hit after the bundle's) and about a minute of tests, not for
// the Debian-based e2e images or the full suite (that run is the proof scenario conformance/full).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConformanceSummary } from '../../../cluster/conformance';
import { runCli } from '../../helpers/cli';
import type { InstalledLab } from './installed-lab';

/** Each needs agnhost (without a shell) or pause only, and takes seconds. */
export const CI_CONFORMANCE_TESTS = [
  '[sig-node] Pods should get a host IP [Conformance]',
  '[sig-storage] EmptyDir volumes should support (non-root,0644,tmpfs) [LinuxOnly] [Conformance]',
  '[sig-storage] ConfigMap should be consumable from pods in volume [Conformance]',
  '[sig-storage] Downward API volume should provide podname only [Conformance]',
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
export const CI_CONFORMANCE_FOCUS = CI_CONFORMANCE_TESTS.map((t) => `^${escape(t)}`).join('|');

export function registerConformanceTests(ctx: InstalledLab): void {
  test("hakube conformance: CI's [Conformance] subset passes on the bundle's images; JUnit and summary written", async () => {
    const out = mkdtempSync(join(tmpdir(), 'hakube-conformance-'));
    try {
      const r = await runCli(
        [
          'conformance',
          '-f',
          ctx.lab.specPath,
          '--bundle-images-only',
          '--focus',
          CI_CONFORMANCE_FOCUS,
          '--out',
          out,
          '--timeout',
          '15m',
        ],
        {},
        25 * 60_000,
      );
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr.slice(-4000)}`);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as ConformanceSummary;
      assert.deepEqual(
        { selected: summary.selected, run: summary.run, passed: summary.passed, failed: summary.failed },
        {
          selected: CI_CONFORMANCE_TESTS.length,
          run: CI_CONFORMANCE_TESTS.length,
          passed: CI_CONFORMANCE_TESTS.length,
          failed: 0,
        },
        JSON.stringify(summary, null, 2),
      );
      assert.match(r.stdout, /^conformance v\d+\.\d+\.\d+: 4 passed \/ 4 run \/ 0 skipped \/ 0 failed/m);
      const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
      for (const t of CI_CONFORMANCE_TESTS) assert.ok(junit.includes(t), `${t} not in junit.xml`);
      for (const f of ['summary.txt', 'e2e.log', 'repo-list.yaml']) assert.ok(existsSync(join(out, f)), f);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
}
