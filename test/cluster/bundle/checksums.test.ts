import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChecksumParseError, expectedSha256, parseSha256Sums } from '../../../cluster/bundle';

const A = 'a'.repeat(64);
const B = '0123456789abcdef'.repeat(4);

test('a bare .sha256 (dl.k8s.io) is the digest of the file it sits next to', () => {
  assert.equal(expectedSha256(`${A}\n`, 'kube-apiserver'), A);
  assert.equal(expectedSha256(A.toUpperCase(), 'kubelet'), A);
});

test('sha256sum lines: pick the named file, by base name, text or binary mode', () => {
  const sums = `${A}  etcd-v3.7.3-linux-amd64.tar.gz\n${B} *etcd-v3.7.3-linux-arm64.tar.gz\n\n`;
  assert.equal(expectedSha256(sums, 'etcd-v3.7.3-linux-amd64.tar.gz'), A);
  assert.equal(expectedSha256(sums, 'etcd-v3.7.3-linux-arm64.tar.gz'), B);
  assert.equal(expectedSha256(`${B}  ./runc.amd64\n`, 'runc.amd64'), B);
  assert.equal(expectedSha256(`${B}  -\n`, 'anything'), B);
  assert.deepEqual(
    [...parseSha256Sums(sums).keys()],
    ['etcd-v3.7.3-linux-amd64.tar.gz', 'etcd-v3.7.3-linux-arm64.tar.gz'],
  );
});

test('a checksum file without the file, or not a checksum file at all, is refused', () => {
  assert.throws(() => expectedSha256(`${A}  other.tar.gz\n`, 'mine.tar.gz'), ChecksumParseError);
  assert.throws(() => expectedSha256('<html>Not Found</html>', 'kubelet'), ChecksumParseError);
  assert.throws(() => expectedSha256('abc123  kubelet', 'kubelet'), ChecksumParseError);
});
