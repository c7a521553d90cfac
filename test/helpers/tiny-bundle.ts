// A small valid bundle on disk (random bytes, a manifest that matches them): enough for
// verifyBundle and ensureBinaries, without building anything.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BUNDLE_API_VERSION, MANIFEST_FILE, renderManifest, type BundleManifest } from '../../cluster/bundle';

type Component = BundleManifest['components'][number];

/** Writes the bundle into `dir` and returns `dir`. */
export function makeBundle(dir: string): string {
  const component = (name: Component['name'], paths: string[]): Component => ({
    name,
    version: '1.0.0',
    source: 'source',
    origin: `test/${name}`,
    files: paths.map((path) => {
      const bytes = randomBytes(4096);
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), bytes, { mode: 0o755 });
      return {
        path,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        size: bytes.length,
        mode: '0755',
      };
    }),
  });
  const manifest: BundleManifest = {
    apiVersion: BUNDLE_API_VERSION,
    kind: 'Bundle',
    kubernetesVersion: 'v1.37.2',
    arch: 'amd64',
    createdAt: '2026-11-23T00:00:00.000Z',
    components: [
      component('etcd', ['bin/etcd', 'bin/etcdctl']),
      component('kubernetes', ['bin/kube-apiserver', 'bin/kubelet', 'bin/kube-proxy']),
      component('cni', ['cni/bin/bridge']),
    ],
  };
  writeFileSync(join(dir, MANIFEST_FILE), renderManifest(manifest));
  return dir;
}
