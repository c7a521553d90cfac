// Ginkgo's JUnit report (as v2 writes it) read back into the run's summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  caseFor,
  countsLine,
  decodeXml,
  parseJUnit,
  renderSummaryText,
  summarize,
  type RunPlan,
} from '../../../cluster/conformance';

const JUNIT = `<?xml version="1.0" encoding="UTF-8"?>
  <testsuites tests="4" disabled="0" errors="0" failures="1" time="60">
      <testsuite name="Kubernetes e2e suite" package="/" tests="4" disabled="0" skipped="1" errors="0" failures="1" time="60">
          <testcase name="[SynchronizedBeforeSuite]" classname="Kubernetes e2e suite" status="passed" time="1.5"></testcase>
          <testcase name="[It] [sig-node] Pods should get a host IP [Conformance] [NodeConformance] [sig-node, NodeConformance, Conformance]" classname="Kubernetes e2e suite" status="passed" time="5.1">
              <system-err>log &lt;here&gt;</system-err>
          </testcase>
          <testcase name="[It] [sig-network] Services should serve a basic endpoint from pods [Conformance] [sig-network, Conformance]" classname="Kubernetes e2e suite" status="failed" time="126.3">
              <failure message="service is not reachable within 2m0s timeout on endpoint endpoint-test2:80 over TCP protocol" type="failed">[FAILED] ...</failure>
          </testcase>
          <testcase name="[It] [sig-x] Skipped at run time [Conformance] [sig-x, Conformance]" classname="Kubernetes e2e suite" status="skipped" time="0">
              <skipped message="skipped - Only supported for providers [gce]"></skipped>
          </testcase>
          <testcase name="[It] [sig-x] Not focused [sig-x]" classname="Kubernetes e2e suite" status="skipped" time="0"><skipped message="skipped"/></testcase>
          <testcase name="[It] [sig-w] Cut short by the timeout [Conformance] [sig-w, Conformance]" classname="Kubernetes e2e suite" status="skipped" time="0"><skipped message="skipped"/></testcase>
      </testsuite>
  </testsuites>`;

const plan: RunPlan = {
  selected: 6,
  run: [
    {
      name: '[sig-node] Pods should get a host IP [Conformance] [NodeConformance]',
      file: 'p.go',
      line: 1,
      images: ['Pause'],
    },
    {
      name: '[sig-network] Services should serve a basic endpoint from pods [Conformance]',
      file: 's.go',
      line: 2,
      images: [],
    },
    { name: '[sig-x] Skipped at run time [Conformance]', file: 'x.go', line: 3, images: [] },
    { name: '[sig-y] Never reported [Conformance]', file: 'y.go', line: 4, images: [] },
    { name: '[sig-w] Cut short by the timeout [Conformance]', file: 'w.go', line: 5, images: [] },
  ],
  skipped: [{ name: '[sig-z] needs busybox [Conformance]', lacks: ['BusyBox'] }],
};

test('JUnit: test cases with status, time and message; entities decoded', () => {
  const cases = parseJUnit(JUNIT);
  assert.equal(cases.length, 6);
  assert.deepEqual(cases[2], {
    name: '[It] [sig-network] Services should serve a basic endpoint from pods [Conformance] [sig-network, Conformance]',
    status: 'failed',
    seconds: 126.3,
    message: 'service is not reachable within 2m0s timeout on endpoint endpoint-test2:80 over TCP protocol',
  });
  assert.equal(cases[3].message, 'skipped - Only supported for providers [gce]');
  assert.equal(decodeXml('&lt;a&gt; &amp; &quot;b&quot; &#39;c&#x27;'), `<a> & "b" 'c'`);
});

test('a listed name finds its case, labels or not, but not a longer name', () => {
  const cases = parseJUnit(JUNIT);
  assert.equal(
    caseFor(cases, '[sig-node] Pods should get a host IP [Conformance] [NodeConformance]')?.status,
    'passed',
  );
  assert.equal(caseFor(cases, '[sig-node] Pods should get a host'), undefined);
});

test('summary: passed / run / skipped / failed, skipped tests with what they lack', () => {
  const s = summarize({
    kubernetesVersion: 'v1.37.2',
    startedAt: '2026-12-06T12:00:00.000Z',
    seconds: 61,
    conformanceTests: 462,
    plan,
    cases: parseJUnit(JUNIT),
    refOf: (id) => (id === 'BusyBox' ? 'registry.k8s.io/e2e-test-images/busybox:1.37.0-2' : id),
  });
  assert.deepEqual(
    { run: s.run, passed: s.passed, failed: s.failed, skipped: s.skipped, noResult: s.noResult },
    { run: 2, passed: 1, failed: 1, skipped: 2, noResult: 2 },
  );
  assert.deepEqual(s.skippedTests[0], {
    name: '[sig-z] needs busybox [Conformance]',
    lacks: ['registry.k8s.io/e2e-test-images/busybox:1.37.0-2'],
    reason: 'lacks registry.k8s.io/e2e-test-images/busybox:1.37.0-2',
  });
  assert.match(s.skippedTests[1].reason, /skipped by e2e\.test: skipped - Only supported/);
  assert.deepEqual(s.notReported, [
    '[sig-y] Never reported [Conformance]',
    '[sig-w] Cut short by the timeout [Conformance]',
  ]);
  assert.equal(
    countsLine(s),
    'conformance v1.37.2: 1 passed / 2 run / 2 skipped / 1 failed (of 6 selected, 462 Conformance tests), 2 not run',
  );
  const text = renderSummaryText(s);
  assert.match(text, /failed:\n {2}\[sig-network\] Services .*: service is not reachable/);
  assert.match(
    text,
    /skipped:\n {2}\[sig-z\] needs busybox \[Conformance\]: lacks registry\.k8s\.io\/e2e-test-images\/busybox:1\.37\.0-2/,
  );
});
