// Where things live on a host: the kubeadm-style layout the runbooks use, in one place so
// renderers, PKI profiles and activities agree. Pure constants.

export const BIN_DIR = '/usr/local/bin';
export const CNI_BIN_DIR = '/opt/cni/bin';
export const KUBE_DIR = '/etc/kubernetes';
export const PKI_DIR = `${KUBE_DIR}/pki`;
export const ETCD_PKI_DIR = `${PKI_DIR}/etcd`;
export const SYSTEMD_DIR = '/etc/systemd/system';
/** The offline bundle's image archives on a node, imported into containerd from there. */
export const IMAGES_DIR = '/var/lib/hakube/images';

export const pki = {
  ca: { cert: `${PKI_DIR}/ca.crt`, key: `${PKI_DIR}/ca.key` },
  apiserver: { cert: `${PKI_DIR}/apiserver.crt`, key: `${PKI_DIR}/apiserver.key` },
  apiserverKubeletClient: {
    cert: `${PKI_DIR}/apiserver-kubelet-client.crt`,
    key: `${PKI_DIR}/apiserver-kubelet-client.key`,
  },
  apiserverEtcdClient: {
    cert: `${PKI_DIR}/apiserver-etcd-client.crt`,
    key: `${PKI_DIR}/apiserver-etcd-client.key`,
  },
  frontProxyCa: { cert: `${PKI_DIR}/front-proxy-ca.crt`, key: `${PKI_DIR}/front-proxy-ca.key` },
  frontProxyClient: { cert: `${PKI_DIR}/front-proxy-client.crt`, key: `${PKI_DIR}/front-proxy-client.key` },
  serviceAccount: { pub: `${PKI_DIR}/sa.pub`, key: `${PKI_DIR}/sa.key` },
  etcdCa: { cert: `${ETCD_PKI_DIR}/ca.crt`, key: `${ETCD_PKI_DIR}/ca.key` },
  etcdServer: { cert: `${ETCD_PKI_DIR}/server.crt`, key: `${ETCD_PKI_DIR}/server.key` },
  etcdPeer: { cert: `${ETCD_PKI_DIR}/peer.crt`, key: `${ETCD_PKI_DIR}/peer.key` },
  etcdHealthcheckClient: {
    cert: `${ETCD_PKI_DIR}/healthcheck-client.crt`,
    key: `${ETCD_PKI_DIR}/healthcheck-client.key`,
  },
} as const;

export const kubeconfigs = {
  /** The cluster administrators' credential (group hakube:cluster-admins: revocable through RBAC). */
  admin: `${KUBE_DIR}/admin.conf`,
  /** Break-glass (system:masters, which no RBAC change can revoke): stays on control-plane hosts. */
  superAdmin: `${KUBE_DIR}/super-admin.conf`,
  controllerManager: `${KUBE_DIR}/controller-manager.conf`,
  scheduler: `${KUBE_DIR}/scheduler.conf`,
  kubelet: `${KUBE_DIR}/kubelet.conf`,
  bootstrapKubelet: `${KUBE_DIR}/bootstrap-kubelet.conf`,
  kubeProxy: `${KUBE_DIR}/kube-proxy.conf`,
} as const;

export const files = {
  haproxyCfg: '/etc/haproxy/haproxy.cfg',
  keepalivedConf: '/etc/keepalived/keepalived.conf',
  keepalivedCheck: '/etc/keepalived/check-apiserver-lb.sh',
  sysctl: '/etc/sysctl.d/90-hakube-kubernetes.conf',
  modulesLoad: '/etc/modules-load.d/hakube-kubernetes.conf',
  limits: '/etc/security/limits.d/90-hakube.conf',
  kubeletConfig: '/var/lib/kubelet/config.yaml',
  kubeProxyConfig: `${KUBE_DIR}/kube-proxy-config.yaml`,
  containerdConfig: '/etc/containerd/config.toml',
  crictlConfig: '/etc/crictl.yaml',
  etcdEnv: '/etc/etcd/hakube-etcd.env',
  /** kube-apiserver's EncryptionConfiguration (cluster/render/encryption.ts): holds a key, 0600. */
  encryptionConfig: `${KUBE_DIR}/encryption-config.yaml`,
  /** The next key of a rotation in progress (first control-plane host only, 0600; removed at its end). */
  encryptionKeyStaged: `${KUBE_DIR}/encryption-key.staged`,
  auditPolicy: `${KUBE_DIR}/audit-policy.yaml`,
  /** kube-apiserver's AdmissionConfiguration, when spec.components.apiserver.admissionConfiguration is set. */
  admissionConfig: `${KUBE_DIR}/admission-config.yaml`,
} as const;

export function unitPath(name: string): string {
  return `${SYSTEMD_DIR}/${name}.service`;
}
