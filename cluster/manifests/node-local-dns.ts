// NodeLocal DNSCache: a DNS cache on every node at a link-local address (spec.network.nodeLocalDNS),
// which kubelets hand to pods; cluster names go on to CoreDNS through the kube-dns-upstream
// Service, everything else to the node's own resolvers. In iptables mode it also answers on the
// kube-dns Service address; with ipvs that address belongs to the ipvs dummy interface.
import type { Cluster } from '../spec';
import { ADDON_IMAGES, NODE_LOCAL_DNS_VERSION } from './addon-versions';
import { managedBy, serviceAccount, toManifest, type K8sObject } from './documents';

const labels = {
  ...managedBy,
  'hakube.io/addon': 'node-local-dns',
  'hakube.io/addon-version': NODE_LOCAL_DNS_VERSION,
};
const NS = 'kube-system';
const HEALTH_PORT = 8080;

/** The addresses the cache binds on each node. */
export function nodeLocalDnsAddresses(c: Cluster): string[] {
  const local = c.spec.network.nodeLocalDNS;
  if (!local) return [];
  return c.spec.network.proxyMode === 'iptables' ? [local, c.spec.network.clusterDNS] : [local];
}

/**
 * node-cache fills __PILLAR__CLUSTER__DNS__ with the kube-dns-upstream Service's address and
 * __PILLAR__UPSTREAM__SERVERS__ with the node's /etc/resolv.conf servers.
 */
export function nodeLocalCorefile(c: Cluster): string {
  const bind = nodeLocalDnsAddresses(c).join(' ');
  const block = (zone: string, cache: string[], forward: string, extra: string[] = []) => [
    `${zone}:53 {`,
    '    errors',
    ...cache.map((l) => `    ${l}`),
    '    reload',
    '    loop',
    `    bind ${bind}`,
    `    forward . ${forward}`,
    '    prometheus :9253',
    ...extra.map((l) => `    ${l}`),
    '}',
  ];
  const toCoreDns = '__PILLAR__CLUSTER__DNS__ {\n        force_tcp\n    }';
  const clusterCache = ['cache {', '        success 9984 30', '        denial 9984 5', '    }'];
  return [
    ...block(c.spec.network.clusterDomain, clusterCache, toCoreDns, [
      `health ${c.spec.network.nodeLocalDNS}:${HEALTH_PORT}`,
    ]),
    ...block('in-addr.arpa', ['cache 30'], toCoreDns),
    ...block('ip6.arpa', ['cache 30'], toCoreDns),
    ...block('.', ['cache 30'], '__PILLAR__UPSTREAM__SERVERS__'),
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
              image: ADDON_IMAGES.nodeLocalDns,
              resources: { requests: { cpu: '25m', memory: '5Mi' } },
              args: [
                '-localip',
                nodeLocalDnsAddresses(c).join(','),
                '-conf',
                '/etc/Corefile',
                '-upstreamsvc',
                'kube-dns-upstream',
                '-health-port',
                String(HEALTH_PORT),
              ],
              // It adds the link-local address to a dummy interface and its iptables NOTRACK rules.
              securityContext: { capabilities: { add: ['NET_ADMIN'] } },
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
              volumeMounts: [
                { mountPath: '/run/xtables.lock', name: 'xtables-lock', readOnly: false },
                { name: 'config-volume', mountPath: '/etc/coredns' },
                { name: 'kube-dns-config', mountPath: '/etc/kube-dns' },
              ],
            },
          ],
          volumes: [
            { name: 'xtables-lock', hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' } },
            { name: 'kube-dns-config', configMap: { name: 'kube-dns', optional: true } },
            {
              name: 'config-volume',
              configMap: { name: 'node-local-dns', items: [{ key: 'Corefile', path: 'Corefile.base' }] },
            },
          ],
        },
      },
    },
  };
}

export function renderNodeLocalDns(c: Cluster): string {
  return toManifest([
    serviceAccount('node-local-dns'),
    {
      // CoreDNS again under a second Service: the cache forwards here, since it answers on kube-dns's own address itself.
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns-upstream', namespace: NS, labels: { ...labels, 'k8s-app': 'kube-dns' } },
      spec: {
        selector: { 'k8s-app': 'kube-dns' },
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'node-local-dns', namespace: NS, labels },
      data: { Corefile: nodeLocalCorefile(c) },
    },
    daemonSet(c),
  ]);
}
