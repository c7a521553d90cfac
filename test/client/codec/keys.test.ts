// Key files and HAKUBE_CODEC_KEY: the accepted forms, rotation order, and errors that name the
// file (or variable) and line without ever echoing a key.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodecKeyError } from '../../../client/codec/errors';
import { keyId, loadKeyRing, parseKeyFile, ringKeys } from '../../../client/codec/keys';

const dir = mkdtempSync(join(tmpdir(), 'hakube-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function keyFile(content: string | Buffer, mode = 0o600): string {
  const file = join(dir, `key-${++n}`);
  writeFileSync(file, content, { mode });
  chmodSync(file, mode);
  return file;
}

function keyError(fn: () => unknown, pattern: RegExp): CodecKeyError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof CodecKeyError, `expected a CodecKeyError, got ${String(caught)}`);
  assert.match(caught.message, pattern);
  return caught;
}

test('a key file holds 32 raw bytes, or hex or base64 text, one key per line with comments', () => {
  const [a, b, c] = [randomBytes(32), randomBytes(32), randomBytes(32)];
  assert.deepEqual(parseKeyFile(a, 'raw'), [a]);
  assert.deepEqual(parseKeyFile(Buffer.from(`${a.toString('hex')}\n`), 'hex'), [a]);
  assert.deepEqual(parseKeyFile(Buffer.from(`${a.toString('base64url')}`), 'b64url'), [a]);
  const text = `# newest first\n${a.toString('base64')}\n\n${b.toString('hex').toUpperCase()}  # old\n${c.toString('base64')}\n`;
  assert.deepEqual(parseKeyFile(Buffer.from(text), 'multi'), [a, b, c]);
});

test('the key id is the first 8 hex digits of the key SHA-256, stable, and says nothing of the key', () => {
  const key = Buffer.alloc(32, 7);
  assert.equal(keyId(key), keyId(Buffer.alloc(32, 7)));
  assert.match(keyId(key), /^[0-9a-f]{8}$/);
  assert.notEqual(keyId(key), keyId(Buffer.alloc(32, 8)));
  assert.ok(!key.toString('hex').includes(keyId(key)));
});

test('bad key files fail with a CodecKeyError naming the file, the line and the expected forms', () => {
  const short = keyFile(randomBytes(31));
  const e = keyError(() => loadKeyRing({ files: [short] }), /is 31 bytes of binary, not a 256-bit key/);
  assert.equal(e.source, short);
  assert.match(e.message, new RegExp(`^${short}: `));
  assert.match(e.message, /exactly 32 bytes/);
  keyError(() => loadKeyRing({ files: [keyFile(randomBytes(33))] }), /33 bytes of binary/);
  const b64 = keyFile(`${randomBytes(32).toString('base64')}\n${randomBytes(16).toString('base64')}\n`);
  keyError(
    () => loadKeyRing({ files: [b64] }),
    new RegExp(`${b64}: line 2: decodes to 16 bytes, expected 32`),
  );
  keyError(() => loadKeyRing({ files: [keyFile('not a key at all!\n')] }), /line 1: not a hex or base64 key/);
  keyError(() => loadKeyRing({ files: [keyFile('# only a comment\n\n')] }), /holds no key/);
  const missing = join(dir, 'missing');
  keyError(() => loadKeyRing({ files: [missing] }), new RegExp(`^${missing}: cannot be read \\(ENOENT`));
  keyError(() => loadKeyRing({ files: [dir] }), /is not a regular file/);
});

test('errors never echo the key text', () => {
  const secret = randomBytes(24).toString('base64'); // 32 characters of base64, 24 bytes
  const e = keyError(() => loadKeyRing({ env: { HAKUBE_CODEC_KEY: secret } }), /HAKUBE_CODEC_KEY \(key 1\)/);
  assert.ok(!e.message.includes(secret));
});

test('HAKUBE_CODEC_KEY_FILE lists files (":"), HAKUBE_CODEC_KEY lists base64 keys: the first key encrypts', () => {
  const [a, b, c] = [randomBytes(32), randomBytes(32), randomBytes(32)];
  const fileA = keyFile(a);
  const fileBC = keyFile(`${b.toString('base64')}\n${c.toString('hex')}\n`);
  const fromFiles = loadKeyRing({ env: { HAKUBE_CODEC_KEY_FILE: `${fileA}:${fileBC}` } });
  assert.deepEqual(
    ringKeys(fromFiles.ring!).map((k) => k.key),
    [a, b, c],
  );
  assert.equal(fromFiles.ring?.current.id, keyId(a));
  assert.equal(fromFiles.source, `${fileA}:${fileBC}`);
  const fromEnv = loadKeyRing({
    env: { HAKUBE_CODEC_KEY: `${b.toString('base64')}, ${a.toString('base64')}` },
  });
  assert.equal(fromEnv.ring?.current.id, keyId(b));
  assert.deepEqual(
    fromEnv.ring?.previous.map((k) => k.id),
    [keyId(a)],
  );
  assert.equal(fromEnv.source, 'HAKUBE_CODEC_KEY');
});

test('nothing configured means encryption off; both variables is refused; the flag overrides the variables', () => {
  assert.equal(loadKeyRing({ env: {} }).ring, undefined);
  assert.equal(loadKeyRing({ env: { HAKUBE_CODEC_KEY: '  ', HAKUBE_CODEC_KEY_FILE: '' } }).ring, undefined);
  const a = randomBytes(32);
  const file = keyFile(a);
  keyError(
    () => loadKeyRing({ env: { HAKUBE_CODEC_KEY_FILE: file, HAKUBE_CODEC_KEY: a.toString('base64') } }),
    /set HAKUBE_CODEC_KEY_FILE or HAKUBE_CODEC_KEY, not both/,
  );
  const flagged = loadKeyRing({
    files: [file],
    env: { HAKUBE_CODEC_KEY: 'garbage', HAKUBE_CODEC_KEY_FILE: '/nope' },
  });
  assert.equal(flagged.ring?.current.id, keyId(a));
});

test('a key listed twice counts once; a key file others can read is a warning, not an error', () => {
  const a = randomBytes(32);
  const twice = loadKeyRing({ files: [keyFile(a), keyFile(a.toString('hex'))] });
  assert.equal(twice.ring?.previous.length, 0);
  assert.deepEqual(twice.warnings, []);
  const open = keyFile(a, 0o644);
  const warned = loadKeyRing({ files: [open] });
  assert.equal(warned.ring?.current.id, keyId(a));
  assert.deepEqual(warned.warnings, [`${open} can be read by other users (mode 0644): chmod 0600 it`]);
});
