// Node components: containerd (systemd cgroups, sandbox image, registry mirrors), kubelet with
// TLS bootstrap and certificate rotation, kube-proxy in the spec's mode, crictl.
import { stringify } from 'yaml';
import type { Cluster, HostSpec } from '../spec';
import { BIN_DIR, CNI_BIN_DIR, files, kubeconfigs } from '../layout';
import { renderUnit } from './systemd';
import type { Flag } from './flags';
import { managedFieldFlags, mergedConfigObject, type ConfigField } from './config-fields';
import { checkedExtraArgs, effectiveFeatureGates } from './hooks';
import { CONTAINERD_SOCKET, kubeletConfigFields } from './kubelet-config';
import { proxyEnvironment } from './proxy-env';
import { REGISTRY_HOST, isPlainHttpUrl } from '../spec';
import { unsafeValue } from './refuse';
import { CNI_CONF_DIR, CNI_CONF_TEMPLATE, usesCniTemplate } from './cni';

export { renderKubeletConfig } from './kubelet-config';

export const SANDBOX_IMAGE = 'registry.k8s.io/pause:3.10';

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

export function kubeletFlags(host: HostSpec): Flag[] {
  return [
    ['config', files.kubeletConfig],
    ['bootstrap-kubeconfig', kubeconfigs.bootstrapKubelet],
    ['kubeconfig', kubeconfigs.kubelet],
    ['cert-dir', '/var/lib/kubelet/pki'],
    ['hostname-override', host.name, 'from spec.hosts[].name'],
    ['node-ip', host.address, 'from spec.hosts[].address'],
  ];
}

/** kubelet's flags and the flags that would override the managed fields of its config file. */
export function kubeletManagedFlags(c: Cluster, host: HostSpec): (Flag | [string, undefined, string])[] {
  const fields = kubeletConfigFields(c, { version: 2, controllersWritable: true });
  return [...kubeletFlags(host), ...managedFieldFlags(fields, 'KubeletConfiguration')];
}

export function renderKubeletUnit(c: Cluster, host: HostSpec): string {
  return renderUnit({
    description: 'Kubernetes kubelet (hakube)',
    documentation: 'https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/',
    after: ['containerd.service'],
    requires: ['containerd.service'],
    execStart: `${BIN_DIR}/kubelet`,
    flags: kubeletFlags(host),
    extraArgs: checkedExtraArgs(c, 'kubelet', kubeletManagedFlags(c, host)),
    extraService: nodeLocalDnsAddressLine(c),
    restartSec: 10,
  });
}

/**
 * What the renderer writes into KubeProxyConfiguration; `from` marks the fields hakube manages
 * (the others spec.components.kubeProxy.config may change).
 */
export function kubeProxyConfigFields(c: Cluster, host: HostSpec): ConfigField[] {
  return [
    { key: 'apiVersion', value: 'kubeproxy.config.k8s.io/v1alpha1', from: 'as the file format' },
    { key: 'kind', value: 'KubeProxyConfiguration', from: 'as the file format' },
    {
      key: 'clientConnection',
      value: { kubeconfig: kubeconfigs.kubeProxy },
      from: "to hakube's kube-proxy credential",
      flags: ['kubeconfig'],
    },
    { key: 'bindAddress', value: '0.0.0.0' },
    // Metrics on loopback only: they describe every Service of the cluster to whoever asks.
    { key: 'metricsBindAddress', value: '127.0.0.1:10249' },
    { key: 'healthzBindAddress', value: '0.0.0.0:10256' },
    {
      key: 'hostnameOverride',
      value: host.name,
      from: 'from spec.hosts[].name',
      flags: ['hostname-override'],
    },
    {
      key: 'clusterCIDR',
      value: c.spec.network.podCIDR,
      from: 'from spec.network.podCIDR',
      flags: ['cluster-cidr'],
    },
    {
      key: 'mode',
      value: c.spec.network.proxyMode,
      from: 'from spec.network.proxyMode',
      flags: ['proxy-mode'],
    },
    { key: 'ipvs', value: { scheduler: 'rr', strictARP: true } },
    // 0 keeps kube-proxy from writing conntrack sysctls (not writable inside containers such as the lab's).
    { key: 'conntrack', value: { maxPerCore: 0 } },
    {
      key: 'featureGates',
      value: undefined,
      from: 'from spec.featureGates and spec.components.kubeProxy.featureGates',
      flags: ['feature-gates'],
    },
  ];
}

export function renderKubeProxyConfig(c: Cluster, host: HostSpec): string {
  return stringify(
    mergedConfigObject(
      kubeProxyConfigFields(c, host),
      c.spec.components?.kubeProxy?.config,
      'spec.components.kubeProxy.config',
      effectiveFeatureGates(c, 'kubeProxy'),
    ),
  );
}

export function kubeProxyFlags(): Flag[] {
  return [['config', files.kubeProxyConfig]];
}

/** kube-proxy's flags and the flags that would override the fields of its config file. */
export function kubeProxyManagedFlags(c: Cluster, host: HostSpec): (Flag | [string, undefined, string])[] {
  return [
    ...kubeProxyFlags(),
    ...managedFieldFlags(kubeProxyConfigFields(c, host), 'KubeProxyConfiguration'),
  ];
}

export function renderKubeProxyUnit(c: Cluster, host: HostSpec): string {
  return renderUnit({
    description: 'Kubernetes kube-proxy (hakube)',
    documentation: 'https://kubernetes.io/docs/reference/command-line-tools-reference/kube-proxy/',
    after: ['network-online.target'],
    wants: ['network-online.target'],
    execStart: `${BIN_DIR}/kube-proxy`,
    flags: kubeProxyFlags(),
    extraArgs: checkedExtraArgs(c, 'kubeProxy', kubeProxyManagedFlags(c, host)),
  });
}

export function renderContainerdUnit(c: Cluster): string {
  return renderUnit({
    description: 'containerd container runtime (hakube)',
    documentation: 'https://containerd.io',
    after: ['network.target', 'local-fs.target'],
    execStart: `${BIN_DIR}/containerd`,
    // spec.proxy: image pulls through the proxy (NO_PROXY always holds the cluster's own networks).
    environment: proxyEnvironment(c),
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
