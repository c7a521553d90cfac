// The result of a conformance run: counts, the failed tests with their messages, and each
// skipped test with the images it lacks (upstream names, so a reader knows what to bring).
import { caseFor, type JUnitCase } from './junit';
import type { RunPlan } from './run-plan';

export interface ConformanceSummary {
  kubernetesVersion: string;
  startedAt: string;
  seconds: number;
  /** Conformance tests in this e2e.test (all of them, before --focus). */
  conformanceTests: number;
  /** Matching --focus. */
  selected: number;
  /** Given to e2e.test. */
  run: number;
  passed: number;
  failed: number;
  /** Not run: images missing (lacksImages), or skipped by e2e.test itself at run time. */
  skipped: number;
  /** Given to e2e.test, but not run: no result in the JUnit report, or the run was cut short. */
  noResult: number;
  failures: { name: string; status: string; message: string }[];
  skippedTests: { name: string; lacks: string[]; reason: string }[];
  notReported: string[];
}

const PASSED = new Set(['passed']);
const SKIPPED = new Set(['skipped', 'pending']);

export function summarize(input: {
  kubernetesVersion: string;
  startedAt: string;
  seconds: number;
  conformanceTests: number;
  plan: RunPlan;
  cases: readonly JUnitCase[];
  /** e2e image id -> the upstream reference, for the skip reasons. */
  refOf: (id: string) => string;
}): ConformanceSummary {
  const { plan, cases } = input;
  const failures: ConformanceSummary['failures'] = [];
  const skippedTests: ConformanceSummary['skippedTests'] = plan.skipped.map((s) => ({
    name: s.name,
    lacks: s.lacks.map(input.refOf),
    reason: `lacks ${s.lacks.map(input.refOf).join(', ')}`,
  }));
  const notReported: string[] = [];
  let passed = 0;
  let ran = 0;
  for (const t of plan.run) {
    const c = caseFor(cases, t.name);
    // Ginkgo reports the tests an interrupt or suite timeout kept from running as plain "skipped".
    if (!c || (SKIPPED.has(c.status) && (c.message ?? 'skipped') === 'skipped')) {
      notReported.push(t.name);
      continue;
    }
    if (SKIPPED.has(c.status)) {
      skippedTests.push({ name: t.name, lacks: [], reason: `skipped by e2e.test: ${c.message ?? c.status}` });
      continue;
    }
    ran++;
    if (PASSED.has(c.status)) passed++;
    else failures.push({ name: t.name, status: c.status, message: (c.message ?? '').slice(0, 2000) });
  }
  return {
    kubernetesVersion: input.kubernetesVersion,
    startedAt: input.startedAt,
    seconds: input.seconds,
    conformanceTests: input.conformanceTests,
    selected: plan.selected,
    run: ran,
    passed,
    failed: failures.length,
    skipped: skippedTests.length,
    noResult: notReported.length,
    failures,
    skippedTests,
    notReported,
  };
}

/** One line with the counts. */
export function countsLine(s: ConformanceSummary): string {
  return (
    `conformance ${s.kubernetesVersion}: ${s.passed} passed / ${s.run} run / ${s.skipped} skipped / ` +
    `${s.failed} failed (of ${s.selected} selected, ${s.conformanceTests} Conformance tests)` +
    (s.noResult ? `, ${s.noResult} not run` : '')
  );
}

export function renderSummaryText(s: ConformanceSummary): string {
  const lines = [countsLine(s), `started ${s.startedAt}, ${Math.round(s.seconds)} s`, ''];
  if (s.failures.length) {
    lines.push('failed:');
    for (const f of s.failures) lines.push(`  ${f.name} (${f.status}): ${f.message.split('\n')[0]}`);
    lines.push('');
  }
  if (s.notReported.length) {
    lines.push('not run (no result, or the run was cut short):');
    for (const n of s.notReported) lines.push(`  ${n}`);
    lines.push('');
  }
  if (s.skippedTests.length) {
    lines.push('skipped:');
    for (const k of s.skippedTests) lines.push(`  ${k.name}: ${k.reason}`);
    lines.push('');
  }
  return lines.join('\n');
}
