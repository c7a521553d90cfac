// The add-ons' pinned versions: the manifests under cluster/manifests are templates for these
// versions (a version bump is a reviewed change of this file and, where needed, the templates).
// Air-gapped clusters pull them through spec.registryMirrors (containerd mirrors per registry), or
// take them from the offline bundle (spec.images.source: bundle), which builds the images marked
// below from source under the same names (cluster/bundle/images.ts).

export const CALICO_VERSION = 'v3.29.3';
/** CoreDNS serves the cluster domain and, as the node-local cache, every node (in the bundle). */
export const COREDNS_VERSION = 'v1.15.0';
/** In the bundle. */
export const FLANNEL_VERSION = 'v0.28.10';
/** In the bundle. */
export const METRICS_SERVER_VERSION = 'v0.8.0';

export const ADDON_IMAGES = {
  calicoNode: `docker.io/calico/node:${CALICO_VERSION}`,
  calicoCni: `docker.io/calico/cni:${CALICO_VERSION}`,
  calicoKubeControllers: `docker.io/calico/kube-controllers:${CALICO_VERSION}`,
  coredns: `registry.k8s.io/coredns/coredns:${COREDNS_VERSION}`,
  flannel: `ghcr.io/flannel-io/flannel:${FLANNEL_VERSION}`,
  metricsServer: `registry.k8s.io/metrics-server/metrics-server:${METRICS_SERVER_VERSION}`,
} as const;
