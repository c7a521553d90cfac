// Kubernetes objects as one multi-document YAML (what `kubectl apply --server-side -f -` reads).
import { stringify } from 'yaml';

export type K8sObject = { apiVersion: string; kind: string; metadata: Record<string, unknown> } & Record<
  string,
  unknown
>;

export function toManifest(docs: K8sObject[]): string {
  return docs.map((d) => stringify(d)).join('---\n');
}

/** Every object hakube applies carries these, so `kubectl get -l app.kubernetes.io/managed-by=hakube` finds them. */
export const managedBy = { 'app.kubernetes.io/managed-by': 'hakube' } as const;

export const clusterRoleBinding = (name: string, role: string, sa: string, namespace = 'kube-system') => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name, labels: managedBy },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects: [{ kind: 'ServiceAccount', name: sa, namespace }],
});

export const serviceAccount = (name: string, namespace = 'kube-system') => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name, namespace, labels: managedBy },
});
