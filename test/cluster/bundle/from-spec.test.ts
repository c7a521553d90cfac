import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BundleInputError, DEFAULT_SOURCES, formatFrom, parseFrom } from '../../../cluster/bundle';

test('no --from gives the default mix', () => {
  assert.deepEqual(parseFrom(undefined).sources, DEFAULT_SOURCES);
  assert.equal(
    formatFrom(parseFrom('').sources),
    'kubernetes=source,kubectl=source,etcd=source,containerd=debian,runc=debian,crictl=source,cni=debian',
  );
});

test('a bare source applies wherever it can and notes where it cannot', () => {
  const all = parseFrom('release');
  assert.ok(Object.values(all.sources).every((s) => s === 'release'));
  assert.deepEqual(all.notes, []);
  const src = parseFrom('source');
  assert.equal(src.sources.kubernetes, 'source');
  assert.equal(src.sources.containerd, 'debian');
  assert.ok(src.notes.some((n) => n.startsWith('containerd cannot come from source')));
  const deb = parseFrom('debian');
  assert.equal(deb.sources.etcd, 'debian');
  assert.equal(deb.sources.kubernetes, 'source');
});

test('per-component selections override the defaults', () => {
  const p = parseFrom('kubernetes=release, etcd=debian,cni=release');
  assert.equal(p.sources.kubernetes, 'release');
  assert.equal(p.sources.etcd, 'debian');
  assert.equal(p.sources.cni, 'release');
  assert.equal(p.sources.crictl, 'source');
});

test('bad --from text is refused naming the bad part', () => {
  const cases: [string, RegExp][] = [
    ['git', /unknown source "git"/],
    ['kube=source', /unknown component "kube"/],
    ['etcd=apt', /unknown source "apt" for etcd/],
    ['kubernetes=debian', /kubernetes cannot come from debian/],
    ['runc=source', /runc cannot come from source/],
    ['etcd=debian,etcd=source', /etcd given twice/],
    ['etcd', /unknown source "etcd"/],
    ['etcd=', /expected component=source/],
  ];
  for (const [text, re] of cases)
    assert.throws(
      () => parseFrom(text),
      (e: Error) => e instanceof BundleInputError && re.test(e.message),
      text,
    );
});
