// kube-apiserver, kube-controller-manager and kube-scheduler as systemd units, flags as in
// the binary-install runbooks (and kubeadm's static pods), leader election on.
import type { Cluster, HostSpec } from '../spec';
import { BIN_DIR, files, kubeconfigs, pki } from '../layout';
import { apiserverPort, etcdClientUrls } from '../topology';
import { renderUnit } from './systemd';
import type { Flag } from './flags';
import { checkedExtraArgs, featureGatesFlags } from './hooks';
import { APISERVER_MARK_DOWN_S } from './haproxy';

type Flags = Flag[];

/** TLS 1.2 suites with forward secrecy and AEAD only (TLS 1.3's are fixed by Go); the CIS list. */
export const TLS_CIPHER_SUITES = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
].join(',');

export function apiserverFlags(c: Cluster, host: HostSpec): Flags {
  const { network } = c.spec;
  return [
    ['advertise-address', host.address, 'from spec.hosts[].address'],
    ['bind-address', '0.0.0.0'],
    ['secure-port', apiserverPort(c), 'from spec.controlPlaneEndpoint.apiserverPort'],
    ['allow-privileged', true],
    ['authorization-mode', 'Node,RBAC'],
    ['enable-admission-plugins', 'NodeRestriction'],
    ['enable-bootstrap-token-auth', true],
    ['client-ca-file', pki.ca.cert, "from hakube's PKI"],
    [
      'tls-cert-file',
      pki.apiserver.cert,
      "from hakube's PKI (extra SANs: spec.components.apiserver.certSANs)",
    ],
    ['tls-private-key-file', pki.apiserver.key, "from hakube's PKI"],
    ['kubelet-client-certificate', pki.apiserverKubeletClient.cert],
    ['kubelet-client-key', pki.apiserverKubeletClient.key],
    // Kubelets serve certificates the cluster CA signed (serverTLSBootstrap and the approver):
    // logs, exec and port-forward check them instead of trusting any.
    ['kubelet-certificate-authority', pki.ca.cert],
    ['kubelet-preferred-address-types', 'InternalIP,Hostname,ExternalIP'],
    // Close watches when stopping (clients reconnect through the VIP to another apiserver):
    // otherwise open watches hold a stop, and every rolling restart, for the 60 s request timeout.
    ['shutdown-watch-termination-grace-period', '10s'],
    // A stopping apiserver fails /readyz at once but keeps serving this long, so haproxy marks it
    // down before its listener closes: a rolling restart (an upgrade, a rotation) then fails no
    // request through the VIP (measured: proof scenario upgrade/rolling, docs/upgrade.md).
    ['shutdown-delay-duration', `${APISERVER_MARK_DOWN_S}s`],
    ['etcd-servers', etcdClientUrls(c), 'from the etcd hosts (spec.hosts roles)'],
    ['etcd-cafile', pki.etcdCa.cert],
    ['etcd-certfile', pki.apiserverEtcdClient.cert],
    ['etcd-keyfile', pki.apiserverEtcdClient.key],
    [
      'service-account-issuer',
      `https://kubernetes.default.svc.${network.clusterDomain}`,
      'from spec.network.clusterDomain',
    ],
    ['service-account-key-file', pki.serviceAccount.pub],
    ['service-account-signing-key-file', pki.serviceAccount.key],
    ['service-cluster-ip-range', network.serviceCIDR, 'from spec.network.serviceCIDR'],
    ['service-node-port-range', '30000-32767'],
    ['proxy-client-cert-file', pki.frontProxyClient.cert],
    ['proxy-client-key-file', pki.frontProxyClient.key],
    ['requestheader-client-ca-file', pki.frontProxyCa.cert],
    ['requestheader-allowed-names', 'front-proxy-client'],
    ['requestheader-extra-headers-prefix', 'X-Remote-Extra-'],
    ['requestheader-group-headers', 'X-Remote-Group'],
    ['requestheader-username-headers', 'X-Remote-User'],
    ['enable-aggregator-routing', true],
    // Secrets are ciphertext in etcd and in snapshots (cluster/render/encryption.ts); a key
    // added to the file is picked up without a restart.
    [
      'encryption-provider-config',
      files.encryptionConfig,
      "from hakube's EncryptionConfiguration (docs/encryption.md)",
    ],
    ['encryption-provider-config-automatic-reload', true],
    [
      'audit-policy-file',
      files.auditPolicy,
      "from spec.components.apiserver.auditPolicy (hakube's default policy without it)",
    ],
    ['audit-log-path', '/var/log/kubernetes/audit.log'],
    ['audit-log-maxage', 30],
    ['audit-log-maxbackup', 10],
    ['audit-log-maxsize', 100],
    ['event-ttl', '1h'],
    ['profiling', false],
    ['tls-cipher-suites', TLS_CIPHER_SUITES],
    ...admissionFlags(c),
  ];
}

/** --admission-control-config-file, when the spec carries an AdmissionConfiguration. */
function admissionFlags(c: Cluster): Flags {
  if (c.spec.components?.apiserver?.admissionConfiguration === undefined) return [];
  return [
    [
      'admission-control-config-file',
      files.admissionConfig,
      'from spec.components.apiserver.admissionConfiguration',
    ],
  ];
}

export function controllerManagerFlags(c: Cluster): Flags {
  return [
    ['bind-address', '127.0.0.1'],
    ['kubeconfig', kubeconfigs.controllerManager],
    ['authentication-kubeconfig', kubeconfigs.controllerManager],
    ['authorization-kubeconfig', kubeconfigs.controllerManager],
    ['leader-elect', true],
    ['cluster-name', c.metadata.name, 'from metadata.name'],
    ['allocate-node-cidrs', true],
    ['cluster-cidr', c.spec.network.podCIDR, 'from spec.network.podCIDR'],
    ['node-cidr-mask-size', 24],
    ['service-cluster-ip-range', c.spec.network.serviceCIDR, 'from spec.network.serviceCIDR'],
    ['cluster-signing-cert-file', pki.ca.cert],
    ['cluster-signing-key-file', pki.ca.key],
    [
      'cluster-signing-duration',
      `${c.spec.certificates.leafValidityDays * 24}h`,
      'from spec.certificates.leafValidityDays',
    ],
    ['root-ca-file', pki.ca.cert],
    ['client-ca-file', pki.ca.cert],
    ['requestheader-client-ca-file', pki.frontProxyCa.cert],
    ['service-account-private-key-file', pki.serviceAccount.key],
    ['use-service-account-credentials', true],
    ['controllers', '*,bootstrapsigner,tokencleaner'],
    ['profiling', false],
    // Finished pods are collected before they fill etcd (the default keeps 12,500).
    ['terminated-pod-gc-threshold', 1000],
  ];
}

export function schedulerFlags(): Flags {
  return [
    ['bind-address', '127.0.0.1'],
    ['kubeconfig', kubeconfigs.scheduler],
    ['authentication-kubeconfig', kubeconfigs.scheduler],
    ['authorization-kubeconfig', kubeconfigs.scheduler],
    ['leader-elect', true],
    ['profiling', false],
  ];
}

export function renderApiserverUnit(c: Cluster, host: HostSpec): string {
  const flags = [...apiserverFlags(c, host), ...featureGatesFlags(c, 'apiserver')];
  return renderUnit({
    description: 'Kubernetes API server (hakube)',
    documentation: 'https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/',
    after: ['network-online.target', 'etcd.service'],
    wants: ['network-online.target'],
    type: 'notify',
    execStart: `${BIN_DIR}/kube-apiserver`,
    flags,
    extraArgs: checkedExtraArgs(c, 'apiserver', flags),
    limitNoFile: 65536,
  });
}

export function renderControllerManagerUnit(c: Cluster): string {
  const flags = [...controllerManagerFlags(c), ...featureGatesFlags(c, 'controllerManager')];
  return renderUnit({
    description: 'Kubernetes controller manager (hakube)',
    documentation:
      'https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/',
    after: ['kube-apiserver.service'],
    execStart: `${BIN_DIR}/kube-controller-manager`,
    flags,
    extraArgs: checkedExtraArgs(c, 'controllerManager', flags),
  });
}

export function renderSchedulerUnit(c: Cluster): string {
  const flags = [...schedulerFlags(), ...featureGatesFlags(c, 'scheduler')];
  return renderUnit({
    description: 'Kubernetes scheduler (hakube)',
    documentation: 'https://kubernetes.io/docs/reference/command-line-tools-reference/kube-scheduler/',
    after: ['kube-apiserver.service'],
    execStart: `${BIN_DIR}/kube-scheduler`,
    flags,
    extraArgs: checkedExtraArgs(c, 'scheduler', flags),
  });
}
