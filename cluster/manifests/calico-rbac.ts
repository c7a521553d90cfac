// What calico-node, its CNI plugin and calico-kube-controllers may do with the API: read the
// Kubernetes objects they map to dataplane state, and manage Calico's own resources.
import { CALICO_RESOURCES } from './calico-crds';
import { clusterRoleBinding, managedBy, serviceAccount, type K8sObject } from './documents';

const READ = ['get', 'list', 'watch'];
const MANAGE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const IPAM = ['blockaffinities', 'ipamblocks', 'ipamhandles', 'ipamconfigs', 'ipreservations'];

const role = (name: string, rules: Record<string, unknown>[]): K8sObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name, labels: managedBy },
  rules,
});

export function calicoRbac(): K8sObject[] {
  return [
    serviceAccount('calico-node'),
    serviceAccount('calico-cni-plugin'),
    serviceAccount('calico-kube-controllers'),
    role('calico-node', [
      { apiGroups: [''], resources: ['pods', 'nodes', 'namespaces', 'services', 'endpoints'], verbs: READ },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
      { apiGroups: [''], resources: ['nodes/status', 'pods/status'], verbs: ['patch', 'update'] },
      // The CNI plugin's kubeconfig holds a token of its own account, which calico-node requests.
      {
        apiGroups: [''],
        resources: ['serviceaccounts/token'],
        resourceNames: ['calico-cni-plugin'],
        verbs: ['create'],
      },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['list', 'watch'] },
      {
        apiGroups: ['policy.networking.k8s.io'],
        resources: ['adminnetworkpolicies'],
        verbs: ['list', 'watch'],
      },
      { apiGroups: ['crd.projectcalico.org'], resources: CALICO_RESOURCES, verbs: MANAGE },
    ]),
    role('calico-cni-plugin', [
      { apiGroups: [''], resources: ['pods', 'nodes', 'namespaces'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods/status'], verbs: ['patch'] },
      {
        apiGroups: ['crd.projectcalico.org'],
        resources: [...IPAM, 'clusterinformations', 'ippools'],
        verbs: ['get', 'list', 'create', 'update', 'delete'],
      },
    ]),
    role('calico-kube-controllers', [
      { apiGroups: [''], resources: ['nodes', 'pods', 'namespaces', 'serviceaccounts'], verbs: READ },
      {
        apiGroups: [''],
        resources: ['services', 'services/status'],
        verbs: ['get', 'list', 'watch', 'update'],
      },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: READ },
      { apiGroups: ['policy.networking.k8s.io'], resources: ['adminnetworkpolicies'], verbs: READ },
      { apiGroups: ['crd.projectcalico.org'], resources: CALICO_RESOURCES, verbs: MANAGE },
    ]),
    clusterRoleBinding('calico-node', 'calico-node', 'calico-node'),
    clusterRoleBinding('calico-cni-plugin', 'calico-cni-plugin', 'calico-cni-plugin'),
    clusterRoleBinding('calico-kube-controllers', 'calico-kube-controllers', 'calico-kube-controllers'),
  ];
}
