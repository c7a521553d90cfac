// Typed SSH failures and the known_hosts policy, without a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import {
  classifyConnectError,
  knownHostsName,
  SshError,
  toApplicationFailure,
} from '../../../activities/ssh';
import { checkHostKey } from '../../../activities/ssh/known-hosts';
import { ErrorTypes, NON_RETRYABLE_ERROR_TYPES } from '../../../cluster/errors';

const sysError = (code: string, message = code) => Object.assign(new Error(message), { code });

test('socket and ssh2 errors map to typed, retryable or permanent failures', () => {
  const cases: [Error & { code?: string; level?: string }, string, boolean][] = [
    [sysError('ECONNREFUSED'), ErrorTypes.ConnectionRefused, true],
    [sysError('ETIMEDOUT'), ErrorTypes.ConnectionTimeout, true],
    [sysError('EHOSTUNREACH'), ErrorTypes.ConnectionTimeout, true],
    [new Error('Timed out while waiting for handshake'), ErrorTypes.ConnectionTimeout, true],
    [sysError('ECONNRESET'), ErrorTypes.ConnectionReset, true],
    [
      Object.assign(new Error('All configured authentication methods failed'), {
        level: 'client-authentication',
      }),
      ErrorTypes.AuthenticationFailed,
      false,
    ],
  ];
  for (const [err, type, retryable] of cases) {
    const typed = classifyConnectError(err, 'master-1');
    assert.equal(typed.type, type, err.message);
    assert.equal(typed.retryable, retryable, err.message);
    assert.match(typed.message, /^master-1: /);
  }
});

test('toApplicationFailure carries the type; permanent types are non-retryable, and listed for retry policies', () => {
  const sshTypes: SshError['type'][] = [
    ErrorTypes.AuthenticationFailed,
    ErrorTypes.HostKeyMismatch,
    ErrorTypes.HostKeyUnknown,
    ErrorTypes.ConnectionRefused,
    ErrorTypes.ConnectionTimeout,
    ErrorTypes.ConnectionReset,
    ErrorTypes.RemoteCommandFailed,
    ErrorTypes.RemoteCommandTimeout,
  ];
  for (const type of sshTypes) {
    const failure = toApplicationFailure(new SshError(type, 'x'));
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, type);
    assert.equal(failure.nonRetryable, NON_RETRYABLE_ERROR_TYPES.includes(type), type);
  }
  const other = new Error('not ours');
  assert.equal(toApplicationFailure(other), other);
});

test('known_hosts: OpenSSH names, trust on first use records and logs, strict refuses, a changed key is a mismatch', () => {
  assert.equal(knownHostsName('10.0.0.1', 22), '10.0.0.1');
  assert.equal(knownHostsName('10.0.0.1', 2222), '[10.0.0.1]:2222');
  const dir = mkdtempSync(join(tmpdir(), 'hakube-known-hosts-'));
  try {
    const file = join(dir, 'sub', 'known_hosts');
    const blob = (type: string, body: string) => {
      const t = Buffer.from(type);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(t.length);
      return Buffer.concat([len, t, Buffer.from(body)]);
    };
    const key = blob('ssh-ed25519', 'first key');
    const logs: string[] = [];
    const strict = checkHostKey(file, '[10.0.0.1]:2222', key, 'strict', (m) => logs.push(m));
    assert.equal(strict.accepted, false);
    assert.equal(strict.error?.type, 'HostKeyUnknown');
    const first = checkHostKey(file, '[10.0.0.1]:2222', key, 'trust-on-first-use', (m) => logs.push(m));
    assert.deepEqual([first.accepted, first.recorded], [true, true]);
    assert.match(logs.join('\n'), /trust on first use: recorded \[10\.0\.0\.1\]:2222 ssh-ed25519 SHA256:/);
    assert.equal(readFileSync(file, 'utf8'), `[10.0.0.1]:2222 ssh-ed25519 ${key.toString('base64')}\n`);
    assert.equal(checkHostKey(file, '[10.0.0.1]:2222', key, 'strict', () => {}).accepted, true);
    const changed = checkHostKey(
      file,
      '[10.0.0.1]:2222',
      blob('ssh-ed25519', 'other'),
      'trust-on-first-use',
      () => {},
    );
    assert.equal(changed.accepted, false);
    assert.equal(changed.error?.type, 'HostKeyMismatch');
    assert.equal(changed.error?.retryable, false);
    // Comments, markers and other hosts' lines are ignored; comma-separated names match.
    writeFileSync(
      file,
      `# comment\n@revoked * ssh-rsa AAAA\nother ssh-ed25519 AAAA\na,10.0.0.2 ssh-ed25519 ${key.toString('base64')}\n`,
    );
    assert.equal(checkHostKey(file, '10.0.0.2', key, 'strict', () => {}).accepted, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
