// The bundle's component table: which binaries make up each component, which host roles
// need them, and which sources can provide them. Pure data; the builders and the install's
// artifacts phase both read it.
import type { Role } from '../spec';

export const BUNDLE_SOURCES = ['release', 'source', 'debian'] as const;
export type BundleSource = (typeof BUNDLE_SOURCES)[number];

export const COMPONENT_NAMES = [
  'kubernetes',
  'kubectl',
  'etcd',
  'containerd',
  'runc',
  'crictl',
  'cni',
] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

/** Folder (relative to the bundle root) for ordinary binaries and for CNI plugins. */
export const BIN_DIR = 'bin';
export const CNI_DIR = 'cni/bin';

export interface ComponentInfo {
  name: ComponentName;
  /** Binaries every source must provide, placed under `dir`. */
  binaries: readonly string[];
  /** Binaries kept when the source has them (etcdutl exists from etcd 3.5 on). */
  optionalBinaries: readonly string[];
  /** true when `binaries` is not a fixed list (CNI plugins: whatever the source ships). */
  anyBinaries: boolean;
  dir: string;
  sources: readonly BundleSource[];
  /** Roles whose hosts need this component; binaries can narrow it (see BINARY_ROLES). */
  roles: readonly Role[];
}

const NODE_ROLES: readonly Role[] = ['control-plane', 'worker'];

export const COMPONENTS: Readonly<Record<ComponentName, ComponentInfo>> = {
  kubernetes: {
    name: 'kubernetes',
    binaries: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'],
    optionalBinaries: [],
    anyBinaries: false,
    dir: BIN_DIR,
    // Debian ships no Kubernetes server binaries.
    sources: ['release', 'source'],
    roles: NODE_ROLES,
  },
  kubectl: {
    name: 'kubectl',
    binaries: ['kubectl'],
    optionalBinaries: [],
    anyBinaries: false,
    dir: BIN_DIR,
    sources: ['release', 'source', 'debian'],
    roles: ['control-plane'],
  },
  etcd: {
    name: 'etcd',
    binaries: ['etcd', 'etcdctl'],
    optionalBinaries: ['etcdutl'],
    anyBinaries: false,
    dir: BIN_DIR,
    sources: ['release', 'source', 'debian'],
    roles: ['etcd'],
  },
  containerd: {
    name: 'containerd',
    binaries: ['containerd', 'containerd-shim-runc-v2'],
    optionalBinaries: ['ctr'],
    anyBinaries: false,
    dir: BIN_DIR,
    sources: ['release', 'debian'],
    roles: NODE_ROLES,
  },
  runc: {
    name: 'runc',
    binaries: ['runc'],
    optionalBinaries: [],
    anyBinaries: false,
    dir: BIN_DIR,
    sources: ['release', 'debian'],
    roles: NODE_ROLES,
  },
  crictl: {
    name: 'crictl',
    binaries: ['crictl'],
    optionalBinaries: [],
    anyBinaries: false,
    dir: BIN_DIR,
    sources: ['release', 'source'],
    roles: NODE_ROLES,
  },
  cni: {
    name: 'cni',
    binaries: ['bridge', 'host-local', 'loopback', 'portmap'],
    optionalBinaries: [],
    anyBinaries: true,
    dir: CNI_DIR,
    // source: github.com/containernetworking/plugins at CNI_SOURCE_VERSION (images.ts).
    sources: ['release', 'source', 'debian'],
    roles: NODE_ROLES,
  },
};

/** Binaries that only some of their component's roles need (the control-plane trio). */
export const BINARY_ROLES: Readonly<Record<string, readonly Role[]>> = {
  'kube-apiserver': ['control-plane'],
  'kube-controller-manager': ['control-plane'],
  'kube-scheduler': ['control-plane'],
};

/** Roles that need one binary of a component. */
export function rolesForBinary(component: ComponentName, binary: string): readonly Role[] {
  return BINARY_ROLES[binary] ?? COMPONENTS[component].roles;
}

/** Whether a host with these roles needs the binary. */
export function hostNeedsBinary(
  component: ComponentName,
  binary: string,
  hostRoles: readonly Role[],
): boolean {
  return rolesForBinary(component, binary).some((r) => hostRoles.includes(r));
}

/** Relative bundle path of one binary. */
export function binaryPath(component: ComponentName, binary: string): string {
  return `${COMPONENTS[component].dir}/${binary}`;
}
