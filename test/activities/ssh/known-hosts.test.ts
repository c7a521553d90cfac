// known_hosts as OpenSSH writes it: hashed names (ssh-keygen -H), wildcards and negations, and
// @revoked keys, which are refused whatever the policy; the SSH pool never hands a connection
// opened under one key file or policy to a target that asks for another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHostKey, hostMatches, lookupKnownKeys } from '../../../activities/ssh/known-hosts';
import { poolKey } from '../../../activities/ssh/pool';
import type { SshTarget } from '../../../activities/ssh/types';

const dir = mkdtempSync(join(tmpdir(), 'hakube-known-hosts-'));

/** A real host key pair's public blob, made by ssh-keygen. */
function hostKey(name: string): { line: string; blob: Buffer } {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  const [type, b64] = readFileSync(`${file}.pub`, 'utf8').trim().split(' ');
  return { line: `${type} ${b64}`, blob: Buffer.from(b64, 'base64') };
}

const a = hostKey('a');
const b = hostKey('b');
const noLog = () => {};

test('hashed names written by ssh-keygen -H are matched; another key for the host is refused', () => {
  const file = join(dir, 'hashed');
  writeFileSync(file, `10.0.0.11 ${a.line}\n[10.0.0.12]:2222 ${b.line}\n`);
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  const text = readFileSync(file, 'utf8');
  assert.doesNotMatch(text, /10\.0\.0\.1/, 'ssh-keygen -H left a name in the clear');
  assert.equal(lookupKnownKeys(file, '10.0.0.11').length, 1);
  assert.equal(checkHostKey(file, '10.0.0.11', a.blob, 'strict', noLog).accepted, true);
  assert.equal(checkHostKey(file, '[10.0.0.12]:2222', b.blob, 'strict', noLog).accepted, true);
  const changed = checkHostKey(file, '10.0.0.11', b.blob, 'trust-on-first-use', noLog);
  assert.equal(changed.accepted, false);
  assert.equal(changed.error?.type, 'HostKeyMismatch');
  assert.equal(readFileSync(file, 'utf8'), text, 'the file was changed');
});

test('@revoked keys are refused under any policy, even for a host with no other entry', () => {
  const file = join(dir, 'revoked');
  writeFileSync(file, `@revoked * ${a.line}\n10.0.0.21 ${b.line}\n`);
  for (const policy of ['strict', 'trust-on-first-use'] as const) {
    const d = checkHostKey(file, '10.0.0.99', a.blob, policy, noLog);
    assert.equal(d.accepted, false, policy);
    assert.match(d.error?.message ?? '', /@revoked/);
  }
  assert.equal(lookupKnownKeys(file, '10.0.0.21').length, 1, 'a revoked line is not a pin');
  assert.ok(!readFileSync(file, 'utf8').includes('10.0.0.99'), 'a revoked key was recorded');
});

test('patterns: comma lists, wildcards and negations as OpenSSH reads them', () => {
  assert.equal(hostMatches('10.0.0.*', '10.0.0.7'), true);
  assert.equal(hostMatches('10.0.0.?', '10.0.0.17'), false);
  assert.equal(hostMatches('!10.0.0.5,10.0.0.*', '10.0.0.5'), false);
  assert.equal(hostMatches('!10.0.0.5,10.0.0.*', '10.0.0.6'), true);
  assert.equal(hostMatches('master-1,10.0.0.11', '10.0.0.11'), true);
  assert.equal(hostMatches('10.0.0.1', '10.0.0.11'), false);
  assert.equal(hostMatches('10.0.0.1.', '10.0.0.1x'), false, 'a dot is not a wildcard');
});

test('the pool keeps connections apart by key file, known_hosts file, policy, sudo and bastion', () => {
  const base: SshTarget = {
    name: 'm1',
    address: '10.0.0.11',
    port: 22,
    user: 'root',
    privateKeyPath: '/k/a',
    knownHostsPath: '/kh',
    hostKeyPolicy: 'strict',
  };
  const variants: SshTarget[] = [
    { ...base, privateKeyPath: '/k/b' },
    { ...base, knownHostsPath: '/kh2' },
    { ...base, hostKeyPolicy: 'trust-on-first-use' },
    { ...base, sudo: true },
    { ...base, bastion: { address: '10.0.0.1', port: 22, user: 'jump', privateKeyPath: '/k/a' } },
  ];
  const keys = new Set([base, ...variants].map(poolKey));
  assert.equal(keys.size, variants.length + 1);
  assert.equal(poolKey({ ...base, name: 'another name' }), poolKey(base), 'the name is only a label');
});
