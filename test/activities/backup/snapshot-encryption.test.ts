// Snapshot encryption on the worker (age): a round trip restores the same bytes, a changed byte
// anywhere fails authentication, a cut-off file fails, another identity is named as the problem,
// and the identity file is made once, 0600, and read back (what `age -d -i` would use).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { snapshotCipher } from '../../../activities/backup/snapshot-encryption';

const dir = mkdtempSync(join(tmpdir(), 'hakube-age-'));
const plain = join(dir, 'snapshot.db');
const data = randomBytes(3 * 64 * 1024 + 123); // several age chunks and a partial last one
writeFileSync(plain, data);

const failsAs = (type: string, pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ApplicationFailure, String(e));
  assert.equal(e.type, type);
  assert.match(e.message, pattern);
  return true;
};

test('round trip; the identity is made once, 0600, and the recipient is stable', async () => {
  const cipher = snapshotCipher(join(dir, 'id.age'));
  const recipient = await cipher.recipient();
  assert.match(recipient, /^age1[0-9a-z]{58}$/);
  assert.equal(statSync(join(dir, 'id.age')).mode & 0o777, 0o600);
  assert.match(readFileSync(join(dir, 'id.age'), 'utf8'), /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/m);
  const sealed = join(dir, 'sealed');
  const out = await cipher.encrypt(plain, sealed);
  assert.equal(out.bytes, statSync(sealed).size);
  assert.equal(
    readFileSync(sealed).includes(data.subarray(1000, 1064)),
    false,
    'plaintext in the ciphertext',
  );
  await cipher.decrypt(sealed, join(dir, 'back'), recipient);
  assert.deepEqual(readFileSync(join(dir, 'back')), data);
  assert.equal(await snapshotCipher(join(dir, 'id.age')).recipient(), recipient, 'the identity was replaced');
});

test('a changed byte, a cut-off file and another identity are refused', async () => {
  const cipher = snapshotCipher(join(dir, 'id2.age'));
  const recipient = await cipher.recipient();
  const sealed = join(dir, 'sealed2');
  await cipher.encrypt(plain, sealed);
  const bytes = readFileSync(sealed);
  const flipped = Buffer.from(bytes);
  flipped[bytes.length - 70_000] ^= 1;
  writeFileSync(join(dir, 'flipped'), flipped);
  await assert.rejects(
    cipher.decrypt(join(dir, 'flipped'), join(dir, 'x'), recipient),
    failsAs('SnapshotTampered', /does not decrypt/),
  );
  writeFileSync(join(dir, 'cut'), bytes.subarray(0, bytes.length - 100));
  await assert.rejects(
    cipher.decrypt(join(dir, 'cut'), join(dir, 'y'), recipient),
    failsAs('SnapshotTampered', /does not decrypt/),
  );
  const other = snapshotCipher(join(dir, 'other.age'));
  await other.recipient();
  await assert.rejects(
    other.decrypt(sealed, join(dir, 'z'), recipient),
    failsAs('ConfigInvalid', /encrypted to age1/),
  );
});
