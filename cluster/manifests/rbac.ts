// RBAC that a binary install needs after the apiserver is up: admin.conf's group as
// cluster-admin, kubelet TLS bootstrap and
// auto-approval of kubelet client CSRs (first issue and renewals), and the apiserver's access
// to kubelets (logs, exec). Rendered as one multi-document YAML for server-side apply.
import { stringify } from 'yaml';
import { CLUSTER_ADMINS_GROUP } from '../pki/profiles';

const binding = (name: string, role: string, subject: { kind: 'Group' | 'User'; name: string }) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'hakube' } },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', ...subject }],
});

/** admin.conf's group as cluster-admin: deleting this binding cuts off every admin.conf. */
const clusterAdmins = () =>
  binding('hakube:cluster-admins', 'cluster-admin', { kind: 'Group', name: CLUSTER_ADMINS_GROUP });

export function renderClusterAdminsBinding(): string {
  return stringify(clusterAdmins());
}

export function renderBootstrapRbac(): string {
  const docs = [
    clusterAdmins(),
    binding('hakube:kubelet-bootstrap', 'system:node-bootstrapper', {
      kind: 'Group',
      name: 'system:bootstrappers',
    }),
    binding(
      'hakube:node-autoapprove-bootstrap',
      'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
      {
        kind: 'Group',
        name: 'system:bootstrappers',
      },
    ),
    binding(
      'hakube:node-autoapprove-certificate-rotation',
      'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
      {
        kind: 'Group',
        name: 'system:nodes',
      },
    ),
    binding('hakube:apiserver-kubelet-client', 'system:kubelet-api-admin', {
      kind: 'User',
      name: 'kube-apiserver-kubelet-client',
    }),
  ];
  return docs.map((d) => stringify(d)).join('---\n');
}
