import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IMAGE_REF_PATTERN,
  PAUSE_TAG,
  bundleManifestSchema,
  identityText,
  imageArchivePath,
  imageIdentityLines,
  imageOrigin,
  imageRef,
  imageTable,
  imagesForRoles,
  parseImageTag,
  type BundleImage,
  type BundleManifest,
} from '../../../cluster/bundle';
import { SANDBOX_IMAGE } from '../../../cluster/render/node';

const image = (name: string, path: string, roles: BundleImage['roles'] = ['control-plane', 'worker']) => ({
  name,
  digest: `sha256:${'c'.repeat(64)}`,
  origin: 'github.com/coredns/coredns@v1.15.0',
  file: { path, sha256: 'd'.repeat(64), size: 1234, mode: '0644' as const },
  roles,
});

const manifest: BundleManifest = {
  apiVersion: 'hakube.io/v1alpha1',
  kind: 'Bundle',
  kubernetesVersion: 'v1.37.2',
  arch: 'amd64',
  createdAt: '2026-11-23T00:00:00.000Z',
  components: [
    {
      name: 'kubectl',
      version: 'v1.37.2',
      source: 'source',
      origin: 'k8s.io/kubernetes@v1.37.2',
      files: [{ path: 'bin/kubectl', sha256: 'b'.repeat(64), size: 10, mode: '0755' }],
    },
  ],
  images: [
    image('registry.k8s.io/pause:3.10', 'images/pause-3.10.tar'),
    image('registry.k8s.io/coredns/coredns:v1.15.0', 'images/coredns-v1.15.0.tar'),
    image('registry.example.io/only/cp:1', 'images/cp-1.tar', ['control-plane']),
  ],
};

test('manifests with images parse; manifests without images still parse', () => {
  assert.ok(bundleManifestSchema.safeParse(manifest).success);
  const old = structuredClone(manifest);
  delete old.images;
  const parsed = bundleManifestSchema.parse(old);
  assert.equal(parsed.images, undefined);
  assert.deepEqual(imagesForRoles(parsed, ['worker']), []);
});

test('the manifest schema refuses bad image entries', () => {
  const refused = (patch: (img: Record<string, unknown> & BundleImage, m: BundleManifest) => void) => {
    const m = structuredClone(manifest);
    patch(m.images![0] as Record<string, unknown> & BundleImage, m);
    return !bundleManifestSchema.safeParse(m).success;
  };
  const badNames = [
    'pause:3.10', // no registry host
    'registry.k8s.io/pause', // no tag
    'registry.k8s.io/Pause:3.10', // uppercase path
    'registry.k8s.io/pause:3.10 ', // space
    'registry.k8s.io/pause:3.10\n',
    'registry.k8s.io/pau"se:3.10',
    "registry.k8s.io/pause:3.10'",
    'registry.k8s.io/pause@sha256:' + 'a'.repeat(64),
    'registry.k8s.io/../pause:3.10',
    'registry.k8s.io//pause:3.10',
    '-registry.k8s.io/pause:3.10',
  ];
  for (const name of badNames)
    assert.ok(
      refused((i) => (i.name = name)),
      JSON.stringify(name),
    );
  assert.ok(
    refused((i) => delete (i as Partial<BundleImage>).digest),
    'missing digest',
  );
  assert.ok(
    refused((i) => (i.digest = 'sha256:' + 'C'.repeat(64))),
    'uppercase digest',
  );
  assert.ok(
    refused((i) => (i.digest = 'c'.repeat(64))),
    'digest without algorithm',
  );
  assert.ok(
    refused((i) => (i.file.path = 'images/../bin/kubectl')),
    '.. path',
  );
  assert.ok(
    refused((i) => (i.file.path = '/images/pause.tar')),
    'absolute path',
  );
  assert.ok(
    refused((i) => (i.file.path = 'bin/pause.tar')),
    'outside images/',
  );
  assert.ok(
    refused((i) => (i.file.path = 'images/pause.tgz')),
    'not .tar',
  );
  assert.ok(
    refused((i) => (i.file.mode = '0755' as '0644')),
    'executable archive',
  );
  assert.ok(
    refused((i) => (i.roles = [])),
    'no roles',
  );
  assert.ok(
    refused((i) => (i.roles = ['master' as 'worker'])),
    'unknown role',
  );
  assert.ok(
    refused((i) => (i.origin = '')),
    'no origin',
  );
  assert.ok(
    refused((_, m) => (m.images![1].name = m.images![0].name)),
    'duplicate name',
  );
  assert.ok(
    refused((_, m) => (m.images![1].file.path = m.images![0].file.path)),
    'duplicate path',
  );
  // Good names of other shapes are accepted.
  for (const good of ['localhost:5000/a/b:c', 'ghcr.io/flannel-io/flannel:v0.28.10', 'a.b/c_d:1.0-rc.1'])
    assert.match(good, IMAGE_REF_PATTERN);
});

test('imagesForRoles picks by role; etcd-only hosts get none', () => {
  const names = (roles: Parameters<typeof imagesForRoles>[1]) =>
    imagesForRoles(manifest, roles).map((i) => i.name);
  assert.deepEqual(names(['worker']), [
    'registry.k8s.io/pause:3.10',
    'registry.k8s.io/coredns/coredns:v1.15.0',
  ]);
  assert.equal(names(['control-plane']).length, 3);
  assert.deepEqual(names(['etcd']), []);
});

test('the image table: names users expect, archive paths, pause is the sandbox image', () => {
  const table = imageTable('v1.37.2');
  const refs = table.map((r) => imageRef(r, r.tag ?? '2.66.1'));
  assert.deepEqual(refs, [
    'registry.k8s.io/pause:3.10',
    'registry.k8s.io/coredns/coredns:v1.15.0',
    'registry.k8s.io/metrics-server/metrics-server:v0.8.0',
    'ghcr.io/flannel-io/flannel:v0.28.10',
    'registry.k8s.io/e2e-test-images/agnhost:2.66.1',
  ]);
  for (const ref of refs) {
    assert.match(ref, IMAGE_REF_PATTERN);
    assert.match(imageArchivePath(ref), /^images\/[a-z0-9.-]+-[A-Za-z0-9_.-]+\.tar$/);
  }
  assert.equal(imageRef(table[0], PAUSE_TAG), SANDBOX_IMAGE);
  assert.equal(imageArchivePath('registry.k8s.io/pause:3.10'), 'images/pause-3.10.tar');
  assert.equal(imageArchivePath('localhost:5000/x/y:1'), 'images/y-1.tar');
  assert.equal(imageOrigin(table[0]), 'build/pause/linux/pause.c@k8s.io/kubernetes@v1.37.2');
  assert.equal(imageOrigin(table[4]), 'k8s.io/kubernetes@v1.37.2');
  assert.equal(parseImageTag('2.66.1\n'), '2.66.1');
  assert.throws(() => parseImageTag('2.66.1; rm -rf /'));
  assert.throws(() => parseImageTag(''));
});

test('the cache key covers the image table; bundles without images keep their key', () => {
  const base = {
    kubernetesVersion: 'v1.37.2',
    arch: 'amd64',
    goVersion: 'go1.26.8',
    components: [{ name: 'etcd' as const, source: 'source' as const, version: 'v3.7.3', origin: 'x' }],
  };
  const without = identityText(base);
  assert.equal(identityText({ ...base, images: [] }), without);
  assert.doesNotMatch(without, /image/);
  const withImages = identityText({ ...base, images: imageIdentityLines(imageTable('v1.37.2')) });
  assert.notEqual(withImages, without);
  assert.match(withImages, /^image-builder=\d+$/m);
  assert.match(withImages, /registry\.k8s\.io\/coredns\/coredns/);
  // Another Kubernetes version changes pause and agnhost, so the key.
  assert.notEqual(identityText({ ...base, images: imageIdentityLines(imageTable('v1.36.5')) }), withImages);
  // Any change to one image (here its user) changes the key.
  const table = imageTable('v1.37.2');
  table[2] = { ...table[2], user: '0' };
  assert.notEqual(identityText({ ...base, images: imageIdentityLines(table) }), withImages);
});
