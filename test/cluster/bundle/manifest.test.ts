import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bundleCacheName,
  bundleManifestSchema,
  filesForRoles,
  formatMode,
  identityText,
  isExecutableMode,
  type BundleManifest,
} from '../../../cluster/bundle';

const file = (path: string) => ({ path, sha256: 'b'.repeat(64), size: 10, mode: '0755' });

const manifest: BundleManifest = {
  apiVersion: 'hakube.io/v1alpha1',
  kind: 'Bundle',
  kubernetesVersion: 'v1.37.2',
  arch: 'amd64',
  createdAt: '2026-11-23T00:00:00.000Z',
  goVersion: 'go1.26.8',
  components: [
    {
      name: 'kubernetes',
      version: 'v1.37.2',
      source: 'source',
      origin: 'k8s.io/kubernetes@v1.37.2',
      files: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'].map(
        (b) => file(`bin/${b}`),
      ),
    },
    {
      name: 'kubectl',
      version: 'v1.37.2',
      source: 'source',
      origin: 'k8s.io/kubernetes@v1.37.2',
      files: [file('bin/kubectl')],
    },
    {
      name: 'etcd',
      version: '3.4.23-4+b4',
      source: 'debian',
      origin: 'etcd-server=3.4.23-4+b4',
      files: [file('bin/etcd'), file('bin/etcdctl')],
    },
    {
      name: 'cni',
      version: '1.1.1',
      source: 'debian',
      origin: 'containernetworking-plugins=1.1.1',
      files: [file('cni/bin/bridge')],
    },
  ],
};

test('the manifest schema accepts a bundle and refuses unsafe or malformed entries', () => {
  assert.ok(bundleManifestSchema.safeParse(manifest).success);
  const bad = (patch: (m: BundleManifest) => void) => {
    const m = structuredClone(manifest);
    patch(m);
    return bundleManifestSchema.safeParse(m).success;
  };
  assert.equal(
    bad((m) => (m.components[0].files[0].path = '../etc/passwd')),
    false,
  );
  assert.equal(
    bad((m) => (m.components[0].files[0].path = '/bin/x')),
    false,
  );
  assert.equal(
    bad((m) => (m.components[0].files[0].sha256 = 'XYZ')),
    false,
  );
  assert.equal(
    bad((m) => (m.components[0].files[0].mode = '755')),
    false,
  );
  assert.equal(
    bad((m) => (m.components[1].files[0].path = 'bin/kube-apiserver')),
    false,
  );
  assert.equal(
    bad((m) => (m.kubernetesVersion = '1.37')),
    false,
  );
});

test('hosts get only what their roles need', () => {
  const names = (roles: Parameters<typeof filesForRoles>[1]) =>
    filesForRoles(manifest, roles).map((f) => f.file.path);
  assert.deepEqual(names(['etcd']), ['bin/etcd', 'bin/etcdctl']);
  assert.deepEqual(names(['worker']), ['bin/kubelet', 'bin/kube-proxy', 'cni/bin/bridge']);
  assert.deepEqual(names(['control-plane']), [
    'bin/kube-apiserver',
    'bin/kube-controller-manager',
    'bin/kube-scheduler',
    'bin/kubelet',
    'bin/kube-proxy',
    'bin/kubectl',
    'cni/bin/bridge',
  ]);
  assert.equal(names(['control-plane', 'etcd']).length, 9);
});

test('modes and cache names', () => {
  assert.equal(formatMode(0o100755), '0755');
  assert.ok(isExecutableMode('0755'));
  assert.ok(!isExecutableMode('0644'));
  const id = {
    kubernetesVersion: 'v1.37.2',
    arch: 'amd64',
    goVersion: 'go1.26.8',
    components: [
      {
        name: 'etcd' as const,
        source: 'debian' as const,
        version: '3.4.23-4+b4',
        origin: 'etcd-server=3.4.23-4+b4',
      },
    ],
  };
  assert.match(identityText(id), /etcd:debian:3\.4\.23-4\+b4:etcd-server=3\.4\.23-4\+b4/);
  assert.equal(bundleCacheName(id, 'f'.repeat(64)), 'v1.37.2-amd64-go1.26.8-ffffffffffff');
});
