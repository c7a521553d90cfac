// `hakube node add` and `hakube node remove` refuse bad input before anything starts (exit 2,
// nothing connected to): unknown or repeated nodes, the first control-plane host, bad flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleSpecHome, runCli } from '../helpers/cli';

// No server runs here: each of these must be refused before the CLI connects to one.
const { spec: specPath, env } = exampleSpecHome();

async function refused(args: string[], message: RegExp): Promise<void> {
  const r = await runCli(args, env());
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, message);
}

test('node add: unknown, repeated and first control-plane nodes are refused', async () => {
  await refused(['node', 'add', '-f', specPath()], /name at least one node/);
  await refused(
    ['node', 'add', '-f', specPath(), '--node', 'worker-9'],
    /worker-9 is not a host of the spec/,
  );
  await refused(
    ['node', 'add', '-f', specPath(), '--node', 'worker-1', '--node', 'worker-1'],
    /worker-1 is named twice/,
  );
  await refused(['node', 'add', '-f', specPath(), '--node', 'master-1'], /first control-plane host/);
});

test('node add: a node on the command line needs a valid address and role, and only one --node', async () => {
  await refused(
    ['node', 'add', '-f', specPath(), '--node', 'worker-9', '--role', 'worker'],
    /--role goes with --node-address/,
  );
  await refused(
    [
      'node',
      'add',
      '-f',
      specPath(),
      '--node',
      'worker-9',
      '--node-address',
      '192.168.10.29',
      '--role',
      'db',
    ],
    /--role: unknown db/,
  );
  await refused(
    ['node', 'add', '-f', specPath(), '--node', 'worker-1', '--node-address', '192.168.10.29'],
    /worker-1 is already in the spec/,
  );
  await refused(
    ['node', 'add', '-f', specPath(), '--node', 'worker-9', '--node-address', '192.168.10.21'],
    /with worker-9 added the spec is invalid/,
  );
  await refused(
    ['node', 'add', '-f', specPath(), '--node', 'worker-1', '--parallel', '0'],
    /--parallel: a whole number/,
  );
});

test('node remove: the first control-plane host and unknown hosts are refused; durations are checked', async () => {
  await refused(['node', 'remove', '-f', specPath(), '--node', 'master-1'], /keeps the CA keys/);
  await refused(['node', 'remove', '-f', specPath(), '--node', 'nope'], /nope is not a host of the spec/);
  await refused(
    ['node', 'remove', '-f', specPath(), '--node', 'worker-1', '--drain-timeout', 'soon'],
    /--drain-timeout: not a duration/,
  );
});

test('node remove --unreachable is --host-down: the dry run runs nothing on the host', async () => {
  const args = (flag: string) => [
    'node',
    'remove',
    '-f',
    specPath(),
    '--node',
    'worker-1',
    flag,
    '--dry-run',
  ];
  const unreachable = await runCli(args('--unreachable'), env());
  const hostDown = await runCli(args('--host-down'), env());
  assert.equal(unreachable.code, 0, unreachable.stdout + unreachable.stderr);
  assert.equal(unreachable.stdout, hostDown.stdout);
  const plain = await runCli(['node', 'remove', '-f', specPath(), '--node', 'worker-1', '--dry-run'], env());
  assert.notEqual(unreachable.stdout, plain.stdout);
});
