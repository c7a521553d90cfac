// The codec token: made once (0600, the same token for every later reader), refused when its
// file holds something else, compared in constant time, masked wherever an endpoint is shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CodecTokenError,
  codecTokenFile,
  endpointWithToken,
  maskedEndpoint,
  readCodecToken,
  tokenMatches,
} from '../../../client/codec/codec-token';

test('made once: 0600 in a 0700 folder; later readers get the same token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-codec-token-'));
  try {
    const file = join(dir, 'home', 'codec-token');
    const token = readCodecToken(file, true);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'home')).mode & 0o777, 0o700);
    assert.equal(readCodecToken(file, true), token);
    assert.equal(readCodecToken(file, false), token);
    assert.equal(readFileSync(file, 'utf8'), `${token}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that holds no token, or is missing when it must exist, is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-codec-token-'));
  try {
    assert.throws(() => readCodecToken(join(dir, 'missing'), false), CodecTokenError);
    for (const content of [
      'short\n',
      'two words and more than twenty-two characters\n',
      'a/b'.repeat(10),
      '',
    ]) {
      writeFileSync(join(dir, 't'), content);
      assert.throws(() => readCodecToken(join(dir, 't'), false), /is not a codec token/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('where it lives: HAKUBE_CODEC_TOKEN_FILE, else the hakube home', () => {
  assert.equal(codecTokenFile({ HAKUBE_HOME: '/h' }), '/h/codec-token');
  assert.equal(codecTokenFile({ HAKUBE_HOME: '/h', HAKUBE_CODEC_TOKEN_FILE: '/etc/t' }), '/etc/t');
});

test('compared whole; endpoints carry it as the first path segment and show it masked', () => {
  const token = 'A'.repeat(43);
  assert.ok(tokenMatches(token, token));
  assert.ok(!tokenMatches(token.slice(1), token));
  assert.ok(!tokenMatches(`${token}A`, token));
  const endpoint = endpointWithToken('http://127.0.0.1:8888/', token);
  assert.equal(endpoint, `http://127.0.0.1:8888/${token}`);
  assert.equal(maskedEndpoint(endpoint), 'http://127.0.0.1:8888/<token>');
  assert.equal(maskedEndpoint(`${endpoint}/decode`), 'http://127.0.0.1:8888/<token>/decode');
  assert.equal(maskedEndpoint('http://127.0.0.1:8888'), 'http://127.0.0.1:8888');
});
