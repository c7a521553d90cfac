// The per-worker bundle verification cache: an unchanged bundle is hashed once however many
// steps ask (at once or one after another); any change on disk — the same bytes written again,
// a corrupted file, a new manifest — is verified again, and a failure is never remembered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyBundle } from '../../../activities/bundle';
import { BundleVerifyError } from '../../../activities/bundle/errors';
import {
  bundleFingerprint,
  cachedBundleVerifier,
} from '../../../activities/artifacts/bundle-verification-cache';
import { MANIFEST_FILE } from '../../../cluster/bundle';
import { makeBundle } from '../../helpers/tiny-bundle';

function setup() {
  const root = mkdtempSync(join(tmpdir(), 'hakube-bundle-cache-'));
  const dir = makeBundle(join(root, 'bundle'));
  const hashed: string[] = [];
  const verifier = cachedBundleVerifier(async (d) => {
    hashed.push(d);
    return verifyBundle(d);
  });
  return { dir, hashed, verifier, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** ctime has the file system's resolution: make sure a rewrite lands on a later tick. */
const tick = () => new Promise((r) => setTimeout(r, 20));

test('an unchanged bundle is hashed once, also when many steps ask at the same time', async () => {
  const s = setup();
  try {
    const first = await Promise.all(Array.from({ length: 10 }, () => s.verifier.verify(s.dir)));
    assert.equal(s.hashed.length, 1);
    assert.deepEqual(first.filter((r) => r === 'verified').length, 1, 'one hashes, nine wait for it');
    assert.equal(await s.verifier.verify(s.dir), 'cached');
    assert.equal(await s.verifier.verify(`${s.dir}/`), 'cached', 'the same folder however it is written');
    assert.equal(s.hashed.length, 1);
  } finally {
    s.cleanup();
  }
});

test('a file written again, even with the same bytes, is verified again', async () => {
  const s = setup();
  try {
    assert.equal(await s.verifier.verify(s.dir), 'verified');
    await tick();
    const file = join(s.dir, 'bin/kubelet');
    writeFileSync(file, readFileSync(file));
    assert.equal(await s.verifier.verify(s.dir), 'verified');
    assert.equal(s.hashed.length, 2);
    assert.equal(await s.verifier.verify(s.dir), 'cached');
  } finally {
    s.cleanup();
  }
});

test('a file corrupted after a good verification is refused, and refused again until it is mended', async () => {
  const s = setup();
  try {
    await s.verifier.verify(s.dir);
    await tick();
    const file = join(s.dir, 'bin/etcd');
    const good = readFileSync(file);
    const bad = Buffer.from(good);
    bad[7] ^= 0xff;
    writeFileSync(file, bad);
    await assert.rejects(s.verifier.verify(s.dir), (e: unknown) => e instanceof BundleVerifyError);
    await assert.rejects(s.verifier.verify(s.dir), (e: unknown) => e instanceof BundleVerifyError);
    assert.equal(s.hashed.length, 3, 'a failure is not remembered');
    await tick();
    writeFileSync(file, good);
    assert.equal(await s.verifier.verify(s.dir), 'verified');
  } finally {
    s.cleanup();
  }
});

test('a rebuilt bundle (a new manifest) is verified again', async () => {
  const s = setup();
  try {
    await s.verifier.verify(s.dir);
    await tick();
    makeBundle(s.dir);
    assert.equal(await s.verifier.verify(s.dir), 'verified');
    assert.equal(s.hashed.length, 2);
  } finally {
    s.cleanup();
  }
});

test('the fingerprint follows the manifest and every file it lists', async () => {
  const s = setup();
  try {
    const before = await bundleFingerprint(s.dir);
    assert.equal(await bundleFingerprint(s.dir), before);
    assert.match(before, new RegExp(`^${MANIFEST_FILE}=\\d+:`));
    assert.match(before, /\nbin\/kube-proxy=\d+:/);
    rmSync(join(s.dir, 'cni/bin/bridge'));
    assert.match(await bundleFingerprint(s.dir), /\ncni\/bin\/bridge=absent/);
  } finally {
    s.cleanup();
  }
});

test('a bundle that keeps changing while it is hashed is refused after a few tries', async () => {
  let n = 0;
  const verifier = cachedBundleVerifier(
    async () => undefined,
    async () => `state ${n++}`,
  );
  await assert.rejects(verifier.verify('/nowhere'), /kept changing while it was verified/);
});
