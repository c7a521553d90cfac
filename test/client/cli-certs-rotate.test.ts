// `hakube certs rotate` refuses bad input before anything starts (exit 2, nothing connected to).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleSpecHome, runCli } from '../helpers/cli';

// No server runs here: each of these must be refused before the CLI connects to one.
const { spec: specPath, env } = exampleSpecHome();

test('certs rotate: unknown kinds (CAs are not leaves) and bad durations are refused', async () => {
  for (const [args, message] of [
    [['--only', 'ca'], /--only: unknown ca \(kinds: etcd-server, etcd-peer/],
    [['--only', 'apiserver', '--only', 'kubelet'], /--only: unknown kubelet/],
    [['--health-timeout', 'later'], /--health-timeout: not a duration/],
  ] as const) {
    const r = await runCli(['certs', 'rotate', '-f', specPath(), ...args], env());
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, message);
  }
});

test('certs rotate-ca: only the etcd CA can be replaced; the others are refused before anything starts', async () => {
  for (const ca of ['kubernetes', 'front-proxy', 'nope']) {
    const r = await runCli(['certs', 'rotate-ca', '-f', specPath(), '--ca', ca], env());
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`--ca: ${ca} cannot be rotated yet \\(etcd-ca\\)`));
  }
});
