// A small offline bundle with Debian's etcd and etcdctl (installed on the test machine by
// scripts/setup.sh), in the bundle format install reads: enough for the etcd phases.
import { createHash } from 'node:crypto';
import { copyFileSync, chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { BUNDLE_API_VERSION, MANIFEST_FILE, renderManifest, type BundleManifest } from '../../cluster/bundle';

export function makeEtcdBundle(dir: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const files = ['etcd', 'etcdctl'].map((name) => {
    const target = join(dir, 'bin', name);
    copyFileSync(`/usr/bin/${name}`, target);
    chmodSync(target, 0o755);
    return {
      path: `bin/${name}`,
      sha256: createHash('sha256').update(readFileSync(target)).digest('hex'),
      size: statSync(target).size,
      mode: '0755',
    };
  });
  const version = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'etcd-server']).toString().trim();
  const manifest: BundleManifest = {
    apiVersion: BUNDLE_API_VERSION,
    kind: 'Bundle',
    kubernetesVersion: 'v1.37.2',
    arch: 'amd64',
    createdAt: new Date().toISOString(),
    components: [{ name: 'etcd', version, source: 'debian', origin: `etcd-server=${version}`, files }],
  };
  writeFileSync(join(dir, MANIFEST_FILE), renderManifest(manifest));
  return dir;
}
