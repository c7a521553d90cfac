// Kubeconfig files that reference certificates by path or carry a bootstrap token.
import { stringify } from 'yaml';

export type KubeconfigUser = { token: string } | { clientCertificate: string; clientKey: string };

export function renderKubeconfig(opts: { cluster: string; server: string; caPath: string; userName: string; user: KubeconfigUser }): string {
  const user =
    'token' in opts.user
      ? { token: opts.user.token }
      : { 'client-certificate': opts.user.clientCertificate, 'client-key': opts.user.clientKey };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: opts.cluster, cluster: { server: opts.server, 'certificate-authority': opts.caPath } }],
    users: [{ name: opts.userName, user }],
    contexts: [{ name: `${opts.userName}@${opts.cluster}`, context: { cluster: opts.cluster, user: opts.userName } }],
    'current-context': `${opts.userName}@${opts.cluster}`,
  });
}

/** A bootstrap token: 6-char id and 16-char secret from [a-z0-9] (the apiserver's required format). */
export const BOOTSTRAP_TOKEN_PATTERN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

/** The Secret that makes a bootstrap token valid, expiring at `expiration` (RFC 3339). */
export function renderBootstrapTokenSecret(id: string, secret: string, expiration: string, description: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system', labels: { 'app.kubernetes.io/managed-by': 'hakube' } },
    type: 'bootstrap.kubernetes.io/token',
    stringData: {
      description,
      'token-id': id,
      'token-secret': secret,
      expiration,
      'usage-bootstrap-authentication': 'true',
      'usage-bootstrap-signing': 'true',
      'auth-extra-groups': 'system:bootstrappers:hakube',
    },
  });
}
