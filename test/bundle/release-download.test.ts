// The release path's download + checksum verification against a local HTTP server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleBuildError, ChecksumMismatchError, downloadVerified } from '../../activities/bundle';
import { fakeBinary, sha256Hex, startFakeMirror } from './fake-mirror';

test('downloads are kept only when they match the published sha256', async (t) => {
  const kubelet = fakeBinary('kubelet', 'v1.37.2');
  const tampered = Buffer.concat([kubelet, Buffer.from('# evil\n')]);
  const base = '/dl.k8s.io/release/v1.37.2/bin/linux/amd64';
  const mirror = await startFakeMirror(
    new Map([
      [`${base}/kubelet`, kubelet],
      [`${base}/kubelet.sha256`, Buffer.from(sha256Hex(kubelet))],
      [`${base}/kube-proxy`, tampered],
      [`${base}/kube-proxy.sha256`, Buffer.from(`${sha256Hex(kubelet)}\n`)],
      ['/sums/SHA256SUMS', Buffer.from(`${sha256Hex('x')}  other.tar.gz\n${sha256Hex(kubelet)}  kubelet\n`)],
    ]),
  );
  t.after(() => mirror.close());
  const dir = mkdtempSync(join(tmpdir(), 'hakube-dl-'));

  await t.test('bare .sha256: accepted, then a cache hit without a second download', async () => {
    const dest = join(dir, 'kubelet');
    const first = await downloadVerified(
      `${mirror.url}${base}/kubelet`,
      `${mirror.url}${base}/kubelet.sha256`,
      'kubelet',
      dest,
    );
    assert.equal(first.sha256, sha256Hex(kubelet));
    assert.equal(first.cached, false);
    assert.deepEqual(readFileSync(dest), kubelet);
    const gets = mirror.requests.filter((r) => r === `${base}/kubelet`).length;
    const second = await downloadVerified(
      `${mirror.url}${base}/kubelet`,
      `${mirror.url}${base}/kubelet.sha256`,
      'kubelet',
      dest,
    );
    assert.equal(second.cached, true);
    assert.equal(mirror.requests.filter((r) => r === `${base}/kubelet`).length, gets);
  });

  await t.test('sha256sum-format file: the line naming the file is used', async () => {
    const dest = join(dir, 'kubelet-2');
    const r = await downloadVerified(
      `${mirror.url}${base}/kubelet`,
      `${mirror.url}/sums/SHA256SUMS`,
      'kubelet',
      dest,
    );
    assert.equal(r.sha256, sha256Hex(kubelet));
  });

  await t.test('mismatch: refused, nothing left on disk', async () => {
    const dest = join(dir, 'kube-proxy');
    await assert.rejects(
      downloadVerified(
        `${mirror.url}${base}/kube-proxy`,
        `${mirror.url}${base}/kube-proxy.sha256`,
        'kube-proxy',
        dest,
      ),
      (err: Error) =>
        err instanceof ChecksumMismatchError &&
        err.expected === sha256Hex(kubelet) &&
        err.actual === sha256Hex(tampered) &&
        /checksum mismatch/.test(err.message),
    );
    assert.equal(existsSync(dest), false);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('kube-proxy')),
      [],
    );
  });

  await t.test('missing file or checksum: a typed build error naming the URL', async () => {
    await assert.rejects(
      downloadVerified(`${mirror.url}/nope`, `${mirror.url}/nope.sha256`, 'nope', join(dir, 'nope')),
      (err: Error) => err instanceof BundleBuildError && /nope\.sha256: HTTP 404/.test(err.message),
    );
    await assert.rejects(
      downloadVerified(
        `${mirror.url}${base}/kubelet`,
        `${mirror.url}/sums/SHA256SUMS`,
        'kube-scheduler',
        join(dir, 's'),
      ),
      (err: Error) => err instanceof BundleBuildError && /no checksum for kube-scheduler/.test(err.message),
    );
  });
});
