// `hakube reset` refuses bad input before anything starts (exit 2, nothing connected to).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleSpecHome, runCli } from '../helpers/cli';

// No server runs here: each of these must be refused before the CLI connects to one.
const { spec: specPath, env } = exampleSpecHome();

test('an unknown --node is refused, naming the hosts there are', async () => {
  const r = await runCli(
    ['reset', '-f', specPath(), '--node', 'worker-1', '--node', 'worker-9', '--yes'],
    env(),
  );
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(
    r.stderr,
    /--node: no host worker-9 in .*cluster\.yaml; hosts are master-1, master-2, master-3, worker-1, worker-2/,
  );
});

test('durations are checked', async () => {
  const r = await runCli(['reset', '-f', specPath(), '--approval-timeout', 'soon'], env());
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /--approval-timeout: not a duration: "soon"/);
});

test('reset is listed with its options', async () => {
  const r = await runCli(['reset', '--help'], env());
  assert.equal(r.code, 0, r.stderr);
  for (const flag of ['--node <name>', '--yes', '--wait', '--approval-timeout <duration>'])
    assert.ok(r.stdout.includes(flag), flag);
});
