// Official release download URLs of each component, and where its published checksum is.
// A mirror base URL replaces the upstream origin and keeps the upstream host as the first
// path segment (the layout kubespray's `files_repo` uses):
//   https://dl.k8s.io/release/v1.37.2/bin/linux/amd64/kubelet
//   -> <mirror>/dl.k8s.io/release/v1.37.2/bin/linux/amd64/kubelet
import { COMPONENTS, type ComponentName } from './components';

export interface ReleaseArtifact {
  /** The file to download (a binary or an archive). */
  url: string;
  /** The published checksum file for `url`. */
  checksumUrl: string;
  /** Name looked up in a multi-line sha256sum file (the base name of `url`). */
  checksumName: string;
  /** 'binary': `url` is the binary itself; 'tar': extract `members` from a .tar.gz. */
  kind: 'binary' | 'tar';
  /** binary name -> path inside the archive ('tar'), or the binary's own name. */
  members: Readonly<Record<string, string>>;
  /** For archives whose members are not fixed (CNI): extract every regular file under this folder. */
  extractAllUnder?: string;
}

const GITHUB = 'https://github.com';
const DL_K8S = 'https://dl.k8s.io';

/** Rewrites an upstream URL onto a mirror: <mirror>/<upstream host>/<path>. */
export function mirrored(url: string, mirror?: string): string {
  if (!mirror) return url;
  const u = new URL(url);
  return `${mirror.replace(/\/+$/, '')}/${u.host}${u.pathname}`;
}

function baseName(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

function v(version: string): string {
  return version.startsWith('v') ? version : `v${version}`;
}

/** dl.k8s.io URL of one Kubernetes binary (kube-apiserver, kubelet, kubectl, ...). */
export function kubernetesBinaryUrl(version: string, arch: string, binary: string): string {
  return `${DL_K8S}/release/${v(version)}/bin/linux/${arch}/${binary}`;
}

function binaryArtifacts(version: string, arch: string, binaries: readonly string[]): ReleaseArtifact[] {
  return binaries.map((b) => {
    const url = kubernetesBinaryUrl(version, arch, b);
    return { url, checksumUrl: `${url}.sha256`, checksumName: b, kind: 'binary', members: { [b]: b } };
  });
}

function tar(
  url: string,
  checksumUrl: string,
  members: Record<string, string>,
  extractAllUnder?: string,
): ReleaseArtifact {
  return { url, checksumUrl, checksumName: baseName(url), kind: 'tar', members, extractAllUnder };
}

/** Upstream (unmirrored) artifacts of a component at a version. */
export function upstreamArtifacts(
  component: ComponentName,
  version: string,
  arch: string,
): ReleaseArtifact[] {
  const ver = v(version);
  switch (component) {
    case 'kubernetes':
      return binaryArtifacts(ver, arch, COMPONENTS.kubernetes.binaries);
    case 'kubectl':
      return binaryArtifacts(ver, arch, ['kubectl']);
    case 'etcd': {
      const dir = `etcd-${ver}-linux-${arch}`;
      const base = `${GITHUB}/etcd-io/etcd/releases/download/${ver}`;
      return [
        tar(`${base}/${dir}.tar.gz`, `${base}/SHA256SUMS`, {
          etcd: `${dir}/etcd`,
          etcdctl: `${dir}/etcdctl`,
          etcdutl: `${dir}/etcdutl`,
        }),
      ];
    }
    case 'containerd': {
      const plain = ver.slice(1);
      const url = `${GITHUB}/containerd/containerd/releases/download/${ver}/containerd-${plain}-linux-${arch}.tar.gz`;
      return [
        tar(url, `${url}.sha256sum`, {
          containerd: 'bin/containerd',
          'containerd-shim-runc-v2': 'bin/containerd-shim-runc-v2',
          ctr: 'bin/ctr',
        }),
      ];
    }
    case 'runc': {
      const base = `${GITHUB}/opencontainers/runc/releases/download/${ver}`;
      return [
        {
          url: `${base}/runc.${arch}`,
          checksumUrl: `${base}/runc.sha256sum`,
          checksumName: `runc.${arch}`,
          kind: 'binary',
          members: { runc: 'runc' },
        },
      ];
    }
    case 'crictl': {
      const url = `${GITHUB}/kubernetes-sigs/cri-tools/releases/download/${ver}/crictl-${ver}-linux-${arch}.tar.gz`;
      return [tar(url, `${url}.sha256`, { crictl: 'crictl' })];
    }
    case 'cni': {
      const url = `${GITHUB}/containernetworking/plugins/releases/download/${ver}/cni-plugins-linux-${arch}-${ver}.tgz`;
      return [tar(url, `${url}.sha256`, {}, '.')];
    }
  }
}

/** Artifacts of a component, rewritten onto `mirror` when one is given. */
export function releaseArtifacts(
  component: ComponentName,
  version: string,
  arch: string,
  mirror?: string,
): ReleaseArtifact[] {
  return upstreamArtifacts(component, version, arch).map((a) => ({
    ...a,
    url: mirrored(a.url, mirror),
    checksumUrl: mirrored(a.checksumUrl, mirror),
  }));
}
