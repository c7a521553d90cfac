// NodeLocal DNSCache: a DNS cache on every node at a link-local address (spec.network.nodeLocalDNS),
// which kubelets hand to pods; cluster names go on to CoreDNS through the kube-dns Service, everything
// else to the node's own resolvers.
//
// The cache is CoreDNS itself (the same image as the cluster's CoreDNS), not upstream's node-cache:
// node-cache (k8s.io/dns) cannot be built here, so the offline bundle could not carry it. node-cache
// adds the link-local address to an interface and iptables NOTRACK rules itself; here kubelet's unit
// puts the address on the node's loopback (cluster/render/node.ts), and the cache binds only that
// address, so kube-dns's Service address stays with kube-proxy and no iptables rules are needed.
import type { Cluster } from '../spec';
import { ADDON_IMAGES, COREDNS_VERSION } from './addon-versions';
import { managedBy, serviceAccount, toManifest, type K8sObject } from './documents';

const labels = {
  ...managedBy,
  'hakube.io/addon': 'node-local-dns',
  'hakube.io/addon-version': COREDNS_VERSION,
};
const NS = 'kube-system';
const HEALTH_PORT = 8080;

/** The Corefile: the cluster domain and reverse zones to CoreDNS over TCP, the rest to the node's resolvers. */
export function nodeLocalCorefile(c: Cluster): string {
  const local = c.spec.network.nodeLocalDNS as string;
  const block = (zone: string, cache: string[], forward: string, extra: string[] = []) => [
    `${zone}:53 {`,
    '    errors',
    ...cache.map((l) => `    ${l}`),
    '    reload',
    '    loop',
    `    bind ${local}`,
    `    forward . ${forward}`,
    `    prometheus ${local}:9253`,
    ...extra.map((l) => `    ${l}`),
    '}',
  ];
  const toCoreDns = `${c.spec.network.clusterDNS} {\n        force_tcp\n    }`;
  const clusterCache = ['cache {', '        success 9984 30', '        denial 9984 5', '    }'];
  return [
    ...block(c.spec.network.clusterDomain, clusterCache, toCoreDns, [`health ${local}:${HEALTH_PORT}`]),
    ...block('in-addr.arpa', ['cache 30'], toCoreDns),
    ...block('ip6.arpa', ['cache 30'], toCoreDns),
    ...block('.', ['cache 30'], '/etc/resolv.conf'),
    '',
  ].join('\n');
}

function daemonSet(c: Cluster): K8sObject {
  const app = { 'k8s-app': 'node-local-dns' };
  const local = c.spec.network.nodeLocalDNS as string;
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'node-local-dns', namespace: NS, labels: { ...labels, ...app } },
    spec: {
      updateStrategy: { rollingUpdate: { maxUnavailable: '10%' } },
      selector: { matchLabels: app },
      template: {
        metadata: {
          labels: { ...labels, ...app },
          annotations: { 'prometheus.io/port': '9253', 'prometheus.io/scrape': 'true' },
        },
        spec: {
          priorityClassName: 'system-node-critical',
          serviceAccountName: 'node-local-dns',
          hostNetwork: true,
          // The cache itself resolves upstream names through the node, not through itself.
          dnsPolicy: 'Default',
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { effect: 'NoExecute', operator: 'Exists' },
            { effect: 'NoSchedule', operator: 'Exists' },
          ],
          containers: [
            {
              name: 'node-cache',
              image: ADDON_IMAGES.coredns,
              args: ['-conf', '/etc/coredns/Corefile'],
              resources: { requests: { cpu: '25m', memory: '5Mi' } },
              // Port 53 on the host network; nothing else of root's.
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
              },
              ports: [
                { containerPort: 53, name: 'dns', protocol: 'UDP' },
                { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
                { containerPort: 9253, name: 'metrics', protocol: 'TCP' },
              ],
              livenessProbe: {
                httpGet: { host: local, path: '/health', port: HEALTH_PORT },
                initialDelaySeconds: 60,
                timeoutSeconds: 5,
              },
              readinessProbe: { httpGet: { host: local, path: '/health', port: HEALTH_PORT } },
              volumeMounts: [{ name: 'config-volume', mountPath: '/etc/coredns' }],
            },
          ],
          volumes: [{ name: 'config-volume', configMap: { name: 'node-local-dns' } }],
        },
      },
    },
  };
}

export function renderNodeLocalDns(c: Cluster): string {
  return toManifest([
    serviceAccount('node-local-dns'),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'node-local-dns', namespace: NS, labels },
      data: { Corefile: nodeLocalCorefile(c) },
    },
    daemonSet(c),
  ]);
}
