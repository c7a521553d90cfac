// kubelet's KubeletConfiguration: hakube's settings, the user's partial configuration
// (spec.components.kubelet.config) merged over the fields hakube does not manage, and the
// feature gates (spec.featureGates, spec.components.kubelet.featureGates).
import { stringify } from 'yaml';
import type { CgroupFacts } from '../facts';
import type { Cluster } from '../spec';
import { pki } from '../layout';
import { podDnsAddress } from '../topology';
import { TLS_CIPHER_SUITES } from './control-plane';
import { mergedConfigObject, type ConfigField } from './config-fields';
import { effectiveFeatureGates } from './hooks';

export const CONTAINERD_SOCKET = 'unix:///run/containerd/containerd.sock';

const FACTS = "from the host's cgroups (preflight facts)";

/** What the renderer writes, field by field; `from` marks the fields hakube manages. */
export function kubeletConfigFields(c: Cluster, cgroups: CgroupFacts): ConfigField[] {
  return [
    { key: 'apiVersion', value: 'kubelet.config.k8s.io/v1beta1', from: 'as the file format' },
    { key: 'kind', value: 'KubeletConfiguration', from: 'as the file format' },
    {
      key: 'authentication',
      value: {
        anonymous: { enabled: false },
        webhook: { enabled: true, cacheTTL: '2m0s' },
        x509: { clientCAFile: pki.ca.cert },
      },
      from: 'to webhook authentication with the cluster CA (no anonymous access)',
      flags: [
        'anonymous-auth',
        'authentication-token-webhook',
        'authentication-token-webhook-cache-ttl',
        'client-ca-file',
      ],
    },
    {
      key: 'authorization',
      value: { mode: 'Webhook' },
      from: 'to webhook authorization',
      flags: [
        'authorization-mode',
        'authorization-webhook-cache-authorized-ttl',
        'authorization-webhook-cache-unauthorized-ttl',
      ],
    },
    {
      key: 'cgroupDriver',
      value: 'systemd',
      from: "to match containerd's SystemdCgroup",
      flags: ['cgroup-driver'],
    },
    {
      key: 'clusterDNS',
      value: [podDnsAddress(c)],
      from: 'from spec.network.clusterDNS (spec.network.nodeLocalDNS when set)',
      flags: ['cluster-dns'],
    },
    {
      key: 'clusterDomain',
      value: c.spec.network.clusterDomain,
      from: 'from spec.network.clusterDomain',
      flags: ['cluster-domain'],
    },
    {
      key: 'containerRuntimeEndpoint',
      value: CONTAINERD_SOCKET,
      from: "to hakube's containerd",
      flags: ['container-runtime-endpoint'],
    },
    // Client certs renew themselves; serving certs come from CSRs the approver signs.
    {
      key: 'rotateCertificates',
      value: true,
      from: 'for client certificate rotation',
      flags: ['rotate-certificates'],
    },
    {
      key: 'serverTLSBootstrap',
      value: true,
      from: "for serving certificates signed through hakube's approver",
      flags: ['rotate-server-certificates'],
    },
    { key: 'failSwapOn', value: true },
    { key: 'protectKernelDefaults', value: false },
    {
      key: 'readOnlyPort',
      value: 0,
      from: 'to 0 (the read-only port answers without authentication)',
      flags: ['read-only-port'],
    },
    {
      key: 'evictionHard',
      value: { 'memory.available': '200Mi', 'nodefs.available': '10%', 'imagefs.available': '15%' },
    },
    { key: 'maxPods', value: 110 },
    { key: 'resolvConf', value: '/etc/resolv.conf' },
    { key: 'tlsMinVersion', value: 'VersionTLS12' },
    { key: 'tlsCipherSuites', value: TLS_CIPHER_SUITES.split(',') },
    // A fork bomb in one pod cannot take the node's PIDs (CIS 4.2.13).
    { key: 'podPidsLimit', value: 4096 },
    // kubelet >= 1.35 refuses cgroup v1 unless told otherwise (preflight warns).
    {
      key: 'failCgroupV1',
      value: cgroups.version === 1 ? false : undefined,
      from: FACTS,
      flags: ['fail-cgroupv1'],
    },
    // No writable memory/cpu controllers (read-only in a container, or missing): no kubepods
    // hierarchy can be made (preflight warns).
    {
      key: 'cgroupsPerQOS',
      value: cgroups.controllersWritable ? undefined : false,
      from: FACTS,
      flags: ['cgroups-per-qos'],
    },
    {
      key: 'enforceNodeAllocatable',
      value: cgroups.controllersWritable ? undefined : [],
      from: FACTS,
      flags: ['enforce-node-allocatable'],
    },
    // Not written, and still hakube's: serving certificates come from serverTLSBootstrap, the
    // control plane runs as systemd units (no static pods), feature gates from the spec's fields.
    {
      key: 'tlsCertFile',
      value: undefined,
      from: 'through serverTLSBootstrap (serving certificates signed through the approver)',
      flags: ['tls-cert-file'],
    },
    {
      key: 'tlsPrivateKeyFile',
      value: undefined,
      from: 'through serverTLSBootstrap (serving certificates signed through the approver)',
      flags: ['tls-private-key-file'],
    },
    {
      key: 'staticPodPath',
      value: undefined,
      from: 'to nothing (the control plane runs as systemd units, not static pods)',
      flags: ['pod-manifest-path'],
    },
    {
      key: 'featureGates',
      value: undefined,
      from: 'from spec.featureGates and spec.components.kubelet.featureGates',
      flags: ['feature-gates'],
    },
  ];
}

/** What the host's cgroups allow (cluster/facts.ts); the default is a normal cgroup v2 server. */
export function renderKubeletConfig(
  c: Cluster,
  cgroups: CgroupFacts = { version: 2, controllersWritable: true },
): string {
  return stringify(
    mergedConfigObject(
      kubeletConfigFields(c, cgroups),
      c.spec.components?.kubelet?.config,
      'spec.components.kubelet.config',
      effectiveFeatureGates(c, 'kubelet'),
    ),
  );
}
