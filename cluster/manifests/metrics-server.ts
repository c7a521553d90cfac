// metrics-server: the resource metrics API (kubectl top, HPA) behind the aggregation layer.
// It scrapes kubelets by their registered InternalIP and verifies their serving certificates
// against the cluster CA (those certificates are the ones the serving-cert approver approved),
// so no --kubelet-insecure-tls.
import { ADDON_IMAGES, METRICS_SERVER_VERSION } from './addon-versions';
import { clusterRoleBinding, managedBy, serviceAccount, toManifest, type K8sObject } from './documents';

const labels = {
  ...managedBy,
  'hakube.io/addon': 'metrics-server',
  'hakube.io/addon-version': METRICS_SERVER_VERSION,
};
const app = { 'k8s-app': 'metrics-server' };
const NS = 'kube-system';
export const METRICS_API_SERVICE = 'v1beta1.metrics.k8s.io';

function roles(): K8sObject[] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: {
        name: 'system:aggregated-metrics-reader',
        // Whoever may view, edit or administer also reads metrics.
        labels: {
          ...labels,
          'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
          'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
          'rbac.authorization.k8s.io/aggregate-to-view': 'true',
        },
      },
      rules: [
        { apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:metrics-server', labels },
      rules: [
        { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    {
      // Reads the requestheader CA the apiserver publishes, to trust the aggregator's requests.
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'metrics-server-auth-reader', namespace: NS, labels },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: 'extension-apiserver-authentication-reader',
      },
      subjects: [{ kind: 'ServiceAccount', name: 'metrics-server', namespace: NS }],
    },
    clusterRoleBinding('metrics-server:system:auth-delegator', 'system:auth-delegator', 'metrics-server'),
    clusterRoleBinding('system:metrics-server', 'system:metrics-server', 'metrics-server'),
  ];
}

function deployment(): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'metrics-server', namespace: NS, labels: { ...labels, ...app } },
    spec: {
      selector: { matchLabels: app },
      strategy: { rollingUpdate: { maxUnavailable: 0 } },
      template: {
        metadata: { labels: { ...labels, ...app } },
        spec: {
          serviceAccountName: 'metrics-server',
          priorityClassName: 'system-cluster-critical',
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
          containers: [
            {
              name: 'metrics-server',
              image: ADDON_IMAGES.metricsServer,
              args: [
                '--cert-dir=/tmp',
                '--secure-port=10250',
                '--kubelet-preferred-address-types=InternalIP,Hostname',
                '--kubelet-use-node-status-port',
                '--metric-resolution=15s',
              ],
              ports: [{ containerPort: 10250, name: 'https', protocol: 'TCP' }],
              resources: { requests: { cpu: '100m', memory: '200Mi' } },
              readinessProbe: {
                httpGet: { path: '/readyz', port: 'https', scheme: 'HTTPS' },
                periodSeconds: 10,
                initialDelaySeconds: 20,
                failureThreshold: 3,
              },
              livenessProbe: {
                httpGet: { path: '/livez', port: 'https', scheme: 'HTTPS' },
                periodSeconds: 10,
                failureThreshold: 3,
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                runAsUser: 1000,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: [{ mountPath: '/tmp', name: 'tmp-dir' }],
            },
          ],
          volumes: [{ name: 'tmp-dir', emptyDir: {} }],
        },
      },
    },
  };
}

export function renderMetricsServer(): string {
  return toManifest([
    serviceAccount('metrics-server'),
    ...roles(),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'metrics-server', namespace: NS, labels: { ...labels, ...app } },
      spec: { selector: app, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 'https' }] },
    },
    deployment(),
    {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: METRICS_API_SERVICE, labels },
      spec: {
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        groupPriorityMinimum: 100,
        versionPriority: 100,
        // metrics-server serves a self-signed certificate from --cert-dir; the aggregator reaches it
        // by Service, and the request itself is authenticated with the front-proxy client cert.
        insecureSkipTLSVerify: true,
        service: { name: 'metrics-server', namespace: NS, port: 443 },
      },
    },
  ]);
}
