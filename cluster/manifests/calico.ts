// Calico as the pod network (Kubernetes datastore, no Typha: the runbooks' size of cluster):
// calico-node on every node installs the CNI plugin and programs routes and policy; one
// calico-kube-controllers cleans up after deleted nodes. The first IP pool is the spec's podCIDR.
import type { Cluster } from '../spec';
import { CNI_BIN_DIR } from '../layout';
import { apiEndpoint } from '../topology';
import { ADDON_IMAGES, CALICO_VERSION } from './addon-versions';
import { calicoCustomResourceDefinitions } from './calico-crds';
import { calicoRbac } from './calico-rbac';
import { managedBy, toManifest, type K8sObject } from './documents';

const labels = { ...managedBy, 'hakube.io/addon': 'calico', 'hakube.io/addon-version': CALICO_VERSION };
const NS = 'kube-system';

/** The plugin chain installed as /etc/cni/net.d/10-calico.conflist (placeholders filled by install-cni). */
const CNI_NETWORK_CONFIG = JSON.stringify(
  {
    name: 'k8s-pod-network',
    cniVersion: '0.3.1',
    plugins: [
      {
        type: 'calico',
        log_level: 'info',
        log_file_path: '/var/log/calico/cni/cni.log',
        datastore_type: 'kubernetes',
        nodename: '__KUBERNETES_NODE_NAME__',
        mtu: '__CNI_MTU__',
        ipam: { type: 'calico-ipam' },
        policy: { type: 'k8s' },
        kubernetes: { kubeconfig: '__KUBECONFIG_FILEPATH__' },
      },
      { type: 'portmap', snat: true, capabilities: { portMappings: true } },
      { type: 'bandwidth', capabilities: { bandwidth: true } },
    ],
  },
  null,
  2,
  // install-cni substitutes a number for the quoted placeholder.
).replace('"__CNI_MTU__"', '__CNI_MTU__');

const fromConfig = (key: string) => ({ valueFrom: { configMapKeyRef: { name: 'calico-config', key } } });
const nodeName = { valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } };
const hostPath = (name: string, path: string, type = 'DirectoryOrCreate') => ({
  name,
  hostPath: { path, type },
});

/** The apiserver through the cluster's endpoint: calico-node starts before any Service routing exists. */
function apiserverEnv(c: Cluster) {
  const ep = apiEndpoint(c);
  return [
    { name: 'KUBERNETES_SERVICE_HOST', value: ep.host },
    { name: 'KUBERNETES_SERVICE_PORT', value: String(ep.port) },
  ];
}

function config(c: Cluster): K8sObject {
  const { encapsulation, mtu } = c.spec.addons.calico;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'calico-config', namespace: NS, labels },
    data: {
      typha_service_name: 'none',
      // bird speaks BGP for IP-in-IP and plain routing; VXLAN needs no BGP at all.
      calico_backend: encapsulation === 'VXLAN' ? 'vxlan' : 'bird',
      // 0: Calico detects the MTU from the host's interfaces.
      veth_mtu: String(mtu ?? 0),
      cni_network_config: CNI_NETWORK_CONFIG,
    },
  };
}

function calicoNodeEnv(c: Cluster) {
  const { encapsulation } = c.spec.addons.calico;
  const env = (name: string, value: string) => ({ name, value });
  return [
    env('DATASTORE_TYPE', 'kubernetes'),
    env('WAIT_FOR_DATASTORE', 'true'),
    { name: 'NODENAME', ...nodeName },
    { name: 'CALICO_NETWORKING_BACKEND', ...fromConfig('calico_backend') },
    env('CLUSTER_TYPE', encapsulation === 'VXLAN' ? 'k8s' : 'k8s,bgp'),
    env('IP', 'autodetect'),
    // The address the kubelet registered (the spec's host address), not whichever NIC comes first.
    env('IP_AUTODETECTION_METHOD', 'kubernetes-internal-ip'),
    env('CALICO_IPV4POOL_CIDR', c.spec.network.podCIDR),
    env('CALICO_IPV4POOL_IPIP', encapsulation === 'IPIP' ? 'Always' : 'Never'),
    env('CALICO_IPV4POOL_VXLAN', encapsulation === 'VXLAN' ? 'Always' : 'Never'),
    env('CALICO_IPV6POOL_VXLAN', 'Never'),
    { name: 'FELIX_IPINIPMTU', ...fromConfig('veth_mtu') },
    { name: 'FELIX_VXLANMTU', ...fromConfig('veth_mtu') },
    { name: 'FELIX_WIREGUARDMTU', ...fromConfig('veth_mtu') },
    env('CALICO_DISABLE_FILE_LOGGING', 'true'),
    env('FELIX_DEFAULTENDPOINTTOHOSTACTION', 'ACCEPT'),
    env('FELIX_IPV6SUPPORT', 'false'),
    env('FELIX_HEALTHENABLED', 'true'),
    // kube-proxy's mode decides which dataplane Felix must cooperate with.
    env('FELIX_KUBEPROXYMODE', c.spec.network.proxyMode === 'ipvs' ? 'ipvs' : 'iptables'),
    ...apiserverEnv(c),
  ];
}

function calicoNode(c: Cluster): K8sObject {
  const bird = c.spec.addons.calico.encapsulation !== 'VXLAN';
  const probe = (flags: string[]) => ({ exec: { command: ['/bin/calico-node', ...flags] } });
  const privileged = { privileged: true };
  const cniMounts = [
    { name: 'cni-bin-dir', mountPath: '/host/opt/cni/bin' },
    { name: 'cni-net-dir', mountPath: '/host/etc/cni/net.d' },
  ];
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'calico-node', namespace: NS, labels: { ...labels, 'k8s-app': 'calico-node' } },
    spec: {
      selector: { matchLabels: { 'k8s-app': 'calico-node' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: { ...labels, 'k8s-app': 'calico-node' } },
        spec: {
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          hostNetwork: true,
          // Every node, whatever its taints: without calico-node a node never becomes Ready.
          tolerations: [
            { effect: 'NoSchedule', operator: 'Exists' },
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { effect: 'NoExecute', operator: 'Exists' },
          ],
          serviceAccountName: 'calico-node',
          terminationGracePeriodSeconds: 0,
          priorityClassName: 'system-node-critical',
          initContainers: [
            {
              name: 'upgrade-ipam',
              image: ADDON_IMAGES.calicoCni,
              command: ['/opt/cni/bin/calico-ipam', '-upgrade'],
              env: [
                { name: 'KUBERNETES_NODE_NAME', ...nodeName },
                { name: 'CALICO_NETWORKING_BACKEND', ...fromConfig('calico_backend') },
                ...apiserverEnv(c),
              ],
              volumeMounts: [
                { name: 'host-local-net-dir', mountPath: '/var/lib/cni/networks' },
                cniMounts[0],
              ],
              securityContext: privileged,
            },
            {
              name: 'install-cni',
              image: ADDON_IMAGES.calicoCni,
              command: ['/opt/cni/bin/install'],
              env: [
                { name: 'CNI_CONF_NAME', value: '10-calico.conflist' },
                { name: 'CNI_NETWORK_CONFIG', ...fromConfig('cni_network_config') },
                { name: 'KUBERNETES_NODE_NAME', ...nodeName },
                { name: 'CNI_MTU', ...fromConfig('veth_mtu') },
                { name: 'SLEEP', value: 'false' },
                ...apiserverEnv(c),
              ],
              volumeMounts: cniMounts,
              securityContext: privileged,
            },
          ],
          containers: [
            {
              name: 'calico-node',
              image: ADDON_IMAGES.calicoNode,
              env: calicoNodeEnv(c),
              securityContext: privileged,
              resources: { requests: { cpu: '250m' } },
              lifecycle: { preStop: { exec: { command: ['/bin/calico-node', '-shutdown'] } } },
              livenessProbe: {
                ...probe(['-felix-live', ...(bird ? ['-bird-live'] : [])]),
                periodSeconds: 10,
                initialDelaySeconds: 10,
                failureThreshold: 6,
                timeoutSeconds: 10,
              },
              readinessProbe: {
                ...probe(['-felix-ready', ...(bird ? ['-bird-ready'] : [])]),
                periodSeconds: 10,
                timeoutSeconds: 10,
              },
              volumeMounts: [
                { name: 'cni-net-dir', mountPath: '/host/etc/cni/net.d' },
                { name: 'lib-modules', mountPath: '/lib/modules', readOnly: true },
                { name: 'xtables-lock', mountPath: '/run/xtables.lock' },
                { name: 'var-run-calico', mountPath: '/var/run/calico' },
                { name: 'var-lib-calico', mountPath: '/var/lib/calico' },
                { name: 'policysync', mountPath: '/var/run/nodeagent' },
                { name: 'cni-log-dir', mountPath: '/var/log/calico/cni', readOnly: true },
              ],
            },
          ],
          volumes: [
            // No type check: a host without modules of its own (a container-based host) still runs calico.
            { name: 'lib-modules', hostPath: { path: '/lib/modules' } },
            hostPath('var-run-calico', '/var/run/calico'),
            hostPath('var-lib-calico', '/var/lib/calico'),
            hostPath('xtables-lock', '/run/xtables.lock', 'FileOrCreate'),
            hostPath('cni-bin-dir', CNI_BIN_DIR),
            hostPath('cni-net-dir', '/etc/cni/net.d'),
            hostPath('cni-log-dir', '/var/log/calico/cni'),
            hostPath('host-local-net-dir', '/var/lib/cni/networks'),
            hostPath('policysync', '/var/run/nodeagent'),
          ],
        },
      },
    },
  };
}

function kubeControllers(c: Cluster): K8sObject {
  const app = { 'k8s-app': 'calico-kube-controllers' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'calico-kube-controllers', namespace: NS, labels: { ...labels, ...app } },
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: app },
      template: {
        metadata: { labels: { ...labels, ...app } },
        spec: {
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
          ],
          serviceAccountName: 'calico-kube-controllers',
          priorityClassName: 'system-cluster-critical',
          containers: [
            {
              name: 'calico-kube-controllers',
              image: ADDON_IMAGES.calicoKubeControllers,
              env: [
                { name: 'ENABLED_CONTROLLERS', value: 'node,loadbalancer' },
                { name: 'DATASTORE_TYPE', value: 'kubernetes' },
                ...apiserverEnv(c),
              ],
              livenessProbe: {
                exec: { command: ['/usr/bin/check-status', '-l'] },
                periodSeconds: 10,
                initialDelaySeconds: 10,
                failureThreshold: 6,
                timeoutSeconds: 10,
              },
              readinessProbe: { exec: { command: ['/usr/bin/check-status', '-r'] }, periodSeconds: 10 },
              securityContext: { runAsNonRoot: true },
            },
          ],
        },
      },
    },
  };
}

export function renderCalico(c: Cluster): string {
  return toManifest([
    ...calicoCustomResourceDefinitions(),
    ...calicoRbac(),
    config(c),
    calicoNode(c),
    kubeControllers(c),
  ]);
}
