// Version choices for bundles, with the evidence behind them (see docs/bundle.md).
//
// Kubernetes: v1.37.2 is the newest patch of the newest minor (1.37) that the Go module
// proxy serves with a checksum-database entry here; its go.mod says `go 1.26.0`, so the
// Go 1.26 toolchain builds it. (1.34 reached end of life in October 2026.)
//
// etcd: Debian bookworm's etcd 3.4.23 is NOT a supported backend for 1.37:
// - kubeadm 1.37 (cmd/kubeadm/app/constants/constants.go) sets MinExternalEtcdVersion
//   3.5.24 and DefaultEtcdVersion 3.7.0, and maps 1.34..1.36 to 3.7.0 as well;
// - the apiserver's storage feature checker (k8s.io/apiserver
//   pkg/storage/feature/feature_support_checker.go) disables RequestWatchProgress for etcd
//   < 3.4.31 (etcd bugs 15220, 17507), which turns off consistent reads from the watch
//   cache and makes streaming-list (WatchList) requests fail with "required storage
//   feature RequestWatchProgress is disabled" (clients fall back to LIST).
// It starts and serves, degraded, so `etcd=debian` stays possible for the lab's sake, but
// the default is etcd built from source at the minor kubeadm 1.37 pairs with.
import type { BundleSource, ComponentName } from './components';

export const DEFAULT_BUNDLE_KUBERNETES_VERSION = 'v1.37.2';
export const DEFAULT_ARCH = 'amd64';

/** Oldest etcd the chosen Kubernetes supports as its backend (kubeadm MinExternalEtcdVersion). */
export const MIN_SUPPORTED_ETCD_VERSION = 'v3.5.24';
/** etcd below this lacks working watch-progress requests; the apiserver runs degraded. */
export const MIN_ETCD_FOR_WATCH_PROGRESS = 'v3.4.31';

/** Pinned versions of the non-Kubernetes components for `release` and `source`. */
export const COMPONENT_VERSIONS: Readonly<Record<Exclude<ComponentName, 'kubernetes' | 'kubectl'>, string>> =
  {
    etcd: 'v3.7.3',
    containerd: 'v2.4.2',
    runc: 'v1.5.2',
    // cri-tools v1.36.0 is the newest whose sigs.k8s.io module the proxy serves here; CRI v1
    // is stable, so crictl 1.36 talks to any 1.37 node's runtime.
    crictl: 'v1.36.0',
    cni: 'v1.9.1',
  };

/** What each component comes from when --from does not say. */
export const DEFAULT_SOURCES: Readonly<Record<ComponentName, BundleSource>> = {
  kubernetes: 'source',
  kubectl: 'source',
  etcd: 'source',
  containerd: 'debian',
  runc: 'debian',
  crictl: 'source',
  cni: 'debian',
};

export interface DefaultVersionInput {
  /** Go toolchain version, e.g. "go1.26.8"; an older toolchain cannot build 1.37. */
  goVersion?: string;
}

/** Minimum Go minor each Kubernetes default needs (from its go.mod `go` line). */
const KUBERNETES_GO_MINIMUM: readonly { kubernetes: string; go: [number, number] }[] = [
  { kubernetes: 'v1.37.2', go: [1, 26] },
  { kubernetes: 'v1.35.4', go: [1, 25] },
];

export function parseGoVersion(v: string): [number, number] | undefined {
  const m = /^go(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** The default Kubernetes version for a bundle: the newest default this toolchain builds. */
export function pickDefaultKubernetesVersion(input: DefaultVersionInput = {}): string {
  const go = input.goVersion ? parseGoVersion(input.goVersion) : undefined;
  if (!go) return DEFAULT_BUNDLE_KUBERNETES_VERSION;
  const fit = KUBERNETES_GO_MINIMUM.find((k) => go[0] > k.go[0] || (go[0] === k.go[0] && go[1] >= k.go[1]));
  return fit?.kubernetes ?? DEFAULT_BUNDLE_KUBERNETES_VERSION;
}

export function parseSemver(v: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function atLeast(v: [number, number, number], min: [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i] > min[i];
  return true;
}

export type EtcdSupport = 'supported' | 'degraded' | 'unsupported' | 'unknown';

/**
 * How well an etcd version backs the bundle's Kubernetes: supported (>= 3.5.24),
 * degraded (3.4.x: serves, but below kubeadm's minimum; < 3.4.31 lacks watch progress),
 * unsupported (< 3.4).
 */
export function etcdSupport(etcdVersion: string): EtcdSupport {
  const v = parseSemver(etcdVersion);
  if (!v) return 'unknown';
  if (atLeast(v, parseSemver(MIN_SUPPORTED_ETCD_VERSION)!)) return 'supported';
  if (atLeast(v, [3, 4, 0])) return 'degraded';
  return 'unsupported';
}
