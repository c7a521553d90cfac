// The add-ons' pinned versions: the manifests under cluster/manifests are templates for these
// versions (a version bump is a reviewed change of this file and, where needed, the templates).
// Air-gapped clusters pull them through spec.registryMirrors (containerd mirrors per registry).

export const CALICO_VERSION = 'v3.29.3';
export const NODE_LOCAL_DNS_VERSION = '1.25.0';
export const METRICS_SERVER_VERSION = 'v0.8.0';

export const ADDON_IMAGES = {
  calicoNode: `docker.io/calico/node:${CALICO_VERSION}`,
  calicoCni: `docker.io/calico/cni:${CALICO_VERSION}`,
  calicoKubeControllers: `docker.io/calico/kube-controllers:${CALICO_VERSION}`,
  nodeLocalDns: `registry.k8s.io/dns/k8s-dns-node-cache:${NODE_LOCAL_DNS_VERSION}`,
  metricsServer: `registry.k8s.io/metrics-server/metrics-server:${METRICS_SERVER_VERSION}`,
} as const;
