// Kubeconfig files that reference certificates by path or carry a bootstrap token.
import { parse, stringify } from 'yaml';

export type KubeconfigUser = { token: string } | { clientCertificate: string; clientKey: string };

export function renderKubeconfig(opts: {
  cluster: string;
  server: string;
  caPath: string;
  userName: string;
  user: KubeconfigUser;
}): string {
  const user =
    'token' in opts.user
      ? { token: opts.user.token }
      : { 'client-certificate': opts.user.clientCertificate, 'client-key': opts.user.clientKey };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: opts.cluster, cluster: { server: opts.server, 'certificate-authority': opts.caPath } },
    ],
    users: [{ name: opts.userName, user }],
    contexts: [
      { name: `${opts.userName}@${opts.cluster}`, context: { cluster: opts.cluster, user: opts.userName } },
    ],
    'current-context': `${opts.userName}@${opts.cluster}`,
  });
}

/** A bootstrap token: 6-char id and 16-char secret from [a-z0-9] (the apiserver's required format). */
export const BOOTSTRAP_TOKEN_PATTERN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

/** The Secret that makes a bootstrap token valid, expiring at `expiration` (RFC 3339). */
export function renderBootstrapTokenSecret(
  id: string,
  secret: string,
  expiration: string,
  description: string,
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `bootstrap-token-${id}`,
      namespace: 'kube-system',
      labels: { 'app.kubernetes.io/managed-by': 'hakube' },
    },
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

/** A kubeconfig that embeds its CA and client credentials (admin.conf, controller-manager.conf, ...). */
export function renderEmbeddedKubeconfig(opts: {
  cluster: string;
  server: string;
  caPem: string;
  userName: string;
  certPem: string;
  keyPem: string;
}): string {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: opts.cluster, cluster: { server: opts.server, 'certificate-authority-data': b64(opts.caPem) } },
    ],
    users: [
      {
        name: opts.userName,
        user: { 'client-certificate-data': b64(opts.certPem), 'client-key-data': b64(opts.keyPem) },
      },
    ],
    contexts: [
      { name: `${opts.userName}@${opts.cluster}`, context: { cluster: opts.cluster, user: opts.userName } },
    ],
    'current-context': `${opts.userName}@${opts.cluster}`,
  });
}

export interface EmbeddedKubeconfig {
  server?: string;
  caPem?: string;
  certPem?: string;
  keyPem?: string;
}

/** Reads the first cluster and user of a kubeconfig (for checks; tolerant of anything else). */
export function readEmbeddedKubeconfig(text: string): EmbeddedKubeconfig {
  const doc = parse(text) as {
    clusters?: { cluster?: Record<string, string> }[];
    users?: { user?: Record<string, string> }[];
  } | null;
  const cluster = doc?.clusters?.[0]?.cluster ?? {};
  const user = doc?.users?.[0]?.user ?? {};
  const text64 = (v: string | undefined) => (v ? Buffer.from(v, 'base64').toString('utf8') : undefined);
  return {
    server: cluster.server,
    caPem: text64(cluster['certificate-authority-data']),
    certPem: text64(user['client-certificate-data']),
    keyPem: text64(user['client-key-data']),
  };
}
