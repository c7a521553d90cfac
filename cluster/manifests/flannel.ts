// flannel: the pod network the offline bundle can carry (its image builds from its Go module; calico's
// do not build here, docs/addons.md). flanneld runs on every node (host network) and, from each
// Node's spec.podCIDR (allocated by kube-controller-manager), keeps the VXLAN routes to the other
// nodes' pod subnets. The node side is the standard bridge + host-local plugins: containerd writes
// their CNI config from a template once kubelet hands it the node's pod CIDR
// (cluster/render/cni.ts), so no flannel CNI binary is needed on hosts.
import type { Cluster } from '../spec';
import { apiEndpoint } from '../topology';
import { ADDON_IMAGES, FLANNEL_VERSION } from './addon-versions';
import { clusterRoleBinding, managedBy, serviceAccount, toManifest, type K8sObject } from './documents';

const NS = 'kube-system';
const app = { 'k8s-app': 'flannel' };
const labels = {
  ...managedBy,
  ...app,
  'hakube.io/addon': 'flannel',
  'hakube.io/addon-version': FLANNEL_VERSION,
};

/** VXLAN adds 50 bytes to every packet: pods get the node MTU (1500) minus that. */
export const FLANNEL_VXLAN_MTU = 1450;

/** flanneld's net-conf.json: the cluster's pod network, VXLAN between nodes. */
export function flannelNetConf(c: Cluster): string {
  return `${JSON.stringify({ Network: c.spec.network.podCIDR, EnableNFTables: false, Backend: { Type: 'vxlan' } }, null, 2)}\n`;
}

function daemonSet(c: Cluster): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'kube-flannel', namespace: NS, labels },
    spec: {
      selector: { matchLabels: app },
      updateStrategy: { rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels },
        spec: {
          priorityClassName: 'system-node-critical',
          serviceAccountName: 'flannel',
          hostNetwork: true,
          tolerations: [
            { operator: 'Exists', effect: 'NoSchedule' },
            { operator: 'Exists', effect: 'NoExecute' },
          ],
          containers: [
            {
              name: 'kube-flannel',
              image: ADDON_IMAGES.flannel,
              args: [
                '--kube-subnet-mgr',
                // The interface that reaches the API endpoint carries the VXLAN traffic (hosts may
                // have no default route, as air-gapped ones and the lab's do).
                `--iface-can-reach=${apiEndpoint(c).host}`,
                // Masquerading and FORWARD rules need iptables inside the image, which the
                // bundle's image does not have: pod traffic keeps its pod address (docs/addons.md).
                '--ip-masq=false',
                '--iptables-forward-rules=false',
              ],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'EVENT_QUEUE_DEPTH', value: '5000' },
              ],
              resources: { requests: { cpu: '50m', memory: '50Mi' } },
              securityContext: { privileged: false, capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
              volumeMounts: [
                { name: 'run', mountPath: '/run/flannel' },
                { name: 'flannel-cfg', mountPath: '/etc/kube-flannel/' },
              ],
            },
          ],
          volumes: [
            { name: 'run', hostPath: { path: '/run/flannel', type: 'DirectoryOrCreate' } },
            { name: 'flannel-cfg', configMap: { name: 'kube-flannel-cfg' } },
          ],
        },
      },
    },
  };
}

export function renderFlannel(c: Cluster): string {
  return toManifest([
    serviceAccount('flannel', NS),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'hakube:flannel', labels },
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch'] },
      ],
    },
    clusterRoleBinding('hakube:flannel', 'hakube:flannel', 'flannel', NS),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-flannel-cfg', namespace: NS, labels },
      data: { 'net-conf.json': flannelNetConf(c) },
    },
    daemonSet(c),
  ]);
}
