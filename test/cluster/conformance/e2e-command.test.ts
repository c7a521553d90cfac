// The argv of a conformance run: e2e.test with --ginkgo.* flags, or the ginkgo CLI for parallel runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2eCommand } from '../../../cluster/conformance';

const input = {
  e2eTest: '/c/e2e.test',
  ginkgo: '/c/ginkgo',
  kubeconfig: '/out/kubeconfig',
  junit: '/out/junit.xml',
  focus: 'a \\[Conformance\\]|b',
  timeout: '6h',
  parallel: 1,
};

test('serial: e2e.test alone, Ginkgo flags prefixed, the focus one argument whatever it holds', () => {
  const c = e2eCommand(input);
  assert.equal(c.binary, '/c/e2e.test');
  assert.ok(c.args.includes('--ginkgo.focus=a \\[Conformance\\]|b'));
  assert.ok(c.args.includes('--ginkgo.junit-report=/out/junit.xml'));
  assert.ok(c.args.includes('--ginkgo.timeout=6h'));
  assert.ok(c.args.includes('--provider=skeleton'));
  assert.ok(c.args.includes('--kubeconfig=/out/kubeconfig'));
});

test('parallel: the ginkgo CLI with --procs, e2e.test and its own flags after --', () => {
  const c = e2eCommand({ ...input, parallel: 3 });
  assert.equal(c.binary, '/c/ginkgo');
  assert.equal(c.args[0], '--procs=3');
  const sep = c.args.indexOf('--');
  assert.equal(c.args[sep - 1], '/c/e2e.test');
  assert.ok(c.args.slice(0, sep).includes('--focus=a \\[Conformance\\]|b'));
  assert.ok(c.args.slice(sep).includes('--provider=skeleton'));
  assert.ok(!c.args.some((a) => a.startsWith('--ginkgo.')));
  assert.throws(() => e2eCommand({ ...input, parallel: 0 }), /parallel/);
});
