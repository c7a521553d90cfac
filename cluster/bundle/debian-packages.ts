// Which Debian packages provide a component's binaries, and where they sit in the package.
import type { ComponentName } from './components';

export interface DebianPackageFiles {
  package: string;
  /** binary name -> path inside the package (no leading slash). */
  files: Readonly<Record<string, string>>;
  /** Take every regular file under this folder (CNI plugins). */
  allUnder?: string;
}

export const DEBIAN_PACKAGES: Readonly<Partial<Record<ComponentName, readonly DebianPackageFiles[]>>> = {
  etcd: [
    { package: 'etcd-server', files: { etcd: 'usr/bin/etcd' } },
    // etcdutl only exists from etcd 3.5; bookworm's 3.4 has etcdctl alone.
    { package: 'etcd-client', files: { etcdctl: 'usr/bin/etcdctl', etcdutl: 'usr/bin/etcdutl' } },
  ],
  kubectl: [{ package: 'kubernetes-client', files: { kubectl: 'usr/bin/kubectl' } }],
  containerd: [
    {
      package: 'containerd',
      files: {
        containerd: 'usr/bin/containerd',
        'containerd-shim-runc-v2': 'usr/bin/containerd-shim-runc-v2',
        ctr: 'usr/bin/ctr',
      },
    },
  ],
  runc: [{ package: 'runc', files: { runc: 'usr/sbin/runc' } }],
  cni: [{ package: 'containernetworking-plugins', files: {}, allUnder: 'usr/lib/cni' }],
};

/** "etcd-server=3.4.23-4+b4,etcd-client=3.4.23-4+b4" */
export function debianOrigin(versions: readonly { package: string; version: string }[]): string {
  return versions.map((v) => `${v.package}=${v.version}`).join(',');
}
