// Node components: containerd (systemd cgroups, sandbox image, registry mirrors), kubelet with
// TLS bootstrap and certificate rotation, kube-proxy in the spec's mode, crictl.
import { stringify } from 'yaml';
import type { CgroupFacts } from '../facts';
import type { Cluster, HostSpec } from '../spec';
import { BIN_DIR, CNI_BIN_DIR, files, kubeconfigs, pki } from '../layout';
import { podDnsAddress } from '../topology';
import { renderUnit } from './systemd';
import { TLS_CIPHER_SUITES } from './control-plane';
import { REGISTRY_HOST, isPlainHttpUrl } from '../spec';
import { unsafeValue } from './refuse';
import { CNI_CONF_DIR, CNI_CONF_TEMPLATE, usesCniTemplate } from './cni';

export const SANDBOX_IMAGE = 'registry.k8s.io/pause:3.10';
const CONTAINERD_SOCKET = 'unix:///run/containerd/containerd.sock';

export function renderContainerdConfig(c: Cluster): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  const template = usesCniTemplate(c) ? [`  conf_template = "${CNI_CONF_TEMPLATE}"`] : [];
  return [
    '# Rendered by hakube; changes are overwritten.',
    'version = 2',
    '',
    `[${cri}]`,
    `  sandbox_image = "${SANDBOX_IMAGE}"`,
    // Never ask for an oom_score_adj below containerd's own (-999 from its unit): that changes
    // nothing on a server, and where the host withholds CAP_SYS_RESOURCE (containers such as lab
    // machines: systemd cannot lower containerd's score there) runc would otherwise fail every pod
    // sandbox (containerd asks -998 for it) with "failed to update /proc/self/oom_score_adj".
    '  restrict_oom_score_adj = true',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${cri}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = true',
    `[${cri}.cni]`,
    `  bin_dir = "${CNI_BIN_DIR}"`,
    `  conf_dir = "${CNI_CONF_DIR}"`,
    ...template,
    `[${cri}.registry]`,
    '  config_path = "/etc/containerd/certs.d"',
    '',
  ].join('\n');
}

/** /etc/containerd/certs.d/<registry>/hosts.toml for each mirrored registry. */
export function renderRegistryMirrors(c: Cluster): { path: string; content: string }[] {
  return Object.entries(c.spec.registryMirrors).map(([registry, mirrors]) => {
    // The registry names a folder: only a host[:port] (or _default), never a path.
    if (!REGISTRY_HOST.test(registry))
      throw unsafeValue('spec.registryMirrors', registry, 'not a registry host');
    for (const m of mirrors)
      if (!isPlainHttpUrl(m))
        throw unsafeValue(`spec.registryMirrors.${registry}`, m, 'not a plain http(s) URL');
    // _default holds the mirrors of every registry without a folder of its own: no one server.
    const upstream =
      registry === '_default'
        ? undefined
        : registry === 'docker.io'
          ? 'https://registry-1.docker.io'
          : `https://${registry}`;
    // JSON strings are TOML basic strings (same escapes).
    const hosts = mirrors.flatMap((m) => [
      '',
      `[host.${JSON.stringify(m)}]`,
      '  capabilities = ["pull", "resolve"]',
    ]);
    return {
      path: `/etc/containerd/certs.d/${registry}/hosts.toml`,
      content: [...(upstream ? [`server = ${JSON.stringify(upstream)}`] : []), ...hosts, ''].join('\n'),
    };
  });
}

export function renderCrictlConfig(): string {
  return stringify({
    'runtime-endpoint': CONTAINERD_SOCKET,
    'image-endpoint': CONTAINERD_SOCKET,
    timeout: 10,
  });
}

/** What the host's cgroups allow (cluster/facts.ts); the default is a normal cgroup v2 server. */
export function renderKubeletConfig(
  c: Cluster,
  cgroups: CgroupFacts = { version: 2, controllersWritable: true },
): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true, cacheTTL: '2m0s' },
      x509: { clientCAFile: pki.ca.cert },
    },
    authorization: { mode: 'Webhook' },
    cgroupDriver: 'systemd',
    clusterDNS: [podDnsAddress(c)],
    clusterDomain: c.spec.network.clusterDomain,
    containerRuntimeEndpoint: CONTAINERD_SOCKET,
    // Client certs renew themselves; serving certs come from CSRs the approver signs.
    rotateCertificates: true,
    serverTLSBootstrap: true,
    failSwapOn: true,
    protectKernelDefaults: false,
    readOnlyPort: 0,
    evictionHard: { 'memory.available': '200Mi', 'nodefs.available': '10%', 'imagefs.available': '15%' },
    maxPods: 110,
    resolvConf: '/etc/resolv.conf',
    tlsMinVersion: 'VersionTLS12',
    tlsCipherSuites: TLS_CIPHER_SUITES.split(','),
    // A fork bomb in one pod cannot take the node's PIDs (CIS 4.2.13).
    podPidsLimit: 4096,
    // kubelet >= 1.35 refuses cgroup v1 unless told otherwise (preflight warns).
    ...(cgroups.version === 1 ? { failCgroupV1: false } : {}),
    // No writable memory/cpu controllers (read-only in a container, or missing): no kubepods
    // hierarchy can be made (preflight warns).
    ...(cgroups.controllersWritable ? {} : { cgroupsPerQOS: false, enforceNodeAllocatable: [] }),
  });
}

/**
 * The node-local DNS cache's address on the loopback (cluster/manifests/node-local-dns.ts): set
 * before kubelet starts, since kubelet hands it to pods. Refuses anything but an IPv4 address.
 */
function nodeLocalDnsAddressLine(c: Cluster): string[] {
  const local = c.spec.network.nodeLocalDNS;
  if (!local) return [];
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(local))
    throw new Error(`spec.network.nodeLocalDNS ${JSON.stringify(local)} is not an IPv4 address`);
  return [`ExecStartPre=/usr/sbin/ip address replace ${local}/32 dev lo`];
}

export function renderKubeletUnit(c: Cluster, host: HostSpec): string {
  return renderUnit({
    description: 'Kubernetes kubelet (hakube)',
    documentation: 'https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/',
    after: ['containerd.service'],
    requires: ['containerd.service'],
    execStart: `${BIN_DIR}/kubelet`,
    flags: [
      ['config', files.kubeletConfig],
      ['bootstrap-kubeconfig', kubeconfigs.bootstrapKubelet],
      ['kubeconfig', kubeconfigs.kubelet],
      ['cert-dir', '/var/lib/kubelet/pki'],
      ['hostname-override', host.name],
      ['node-ip', host.address],
    ],
    extraService: nodeLocalDnsAddressLine(c),
    restartSec: 10,
  });
}

export function renderKubeProxyConfig(c: Cluster, host: HostSpec): string {
  return stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig: kubeconfigs.kubeProxy },
    bindAddress: '0.0.0.0',
    // Metrics on loopback only: they describe every Service of the cluster to whoever asks.
    metricsBindAddress: '127.0.0.1:10249',
    healthzBindAddress: '0.0.0.0:10256',
    hostnameOverride: host.name,
    clusterCIDR: c.spec.network.podCIDR,
    mode: c.spec.network.proxyMode,
    ipvs: { scheduler: 'rr', strictARP: true },
    // 0 keeps kube-proxy from writing conntrack sysctls (not writable inside containers such as the lab's).
    conntrack: { maxPerCore: 0 },
  });
}

export function renderKubeProxyUnit(): string {
  return renderUnit({
    description: 'Kubernetes kube-proxy (hakube)',
    documentation: 'https://kubernetes.io/docs/reference/command-line-tools-reference/kube-proxy/',
    after: ['network-online.target'],
    wants: ['network-online.target'],
    execStart: `${BIN_DIR}/kube-proxy`,
    flags: [['config', files.kubeProxyConfig]],
  });
}

export function renderContainerdUnit(): string {
  return renderUnit({
    description: 'containerd container runtime (hakube)',
    documentation: 'https://containerd.io',
    after: ['network.target', 'local-fs.target'],
    execStart: `${BIN_DIR}/containerd`,
    extraService: [
      'ExecStartPre=-/sbin/modprobe overlay',
      'Delegate=yes',
      'KillMode=process',
      'LimitNPROC=infinity',
      'LimitCORE=infinity',
      'TasksMax=infinity',
      'OOMScoreAdjust=-999',
    ],
    limitNoFile: 1048576,
    type: 'notify',
  });
}
