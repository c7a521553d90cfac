// The cluster spec (apiVersion hakube.io/v1alpha1, kind Cluster): its schema and types.
// Shape checks live here; cross-field checks (overlaps, quorum, subnets) live in validate.ts.
import { z } from 'zod';

export const API_VERSION = 'hakube.io/v1alpha1';
// Kept equal to the offline bundle's default (cluster/bundle/versions.ts; see docs/bundle.md).
export const DEFAULT_KUBERNETES_VERSION = 'v1.37.2';

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lower case letters, digits and "-"');
const port = z
  .number()
  .int()
  .min(1, 'must be a port number 1-65535')
  .max(65535, 'must be a port number 1-65535');
const nonEmpty = z.string().min(1, 'must not be empty');
const httpUrl = z.string().regex(/^https?:\/\/[^\s/]+/, 'must be an http(s) URL');

export const ROLES = ['control-plane', 'etcd', 'worker'] as const;
export type Role = (typeof ROLES)[number];

const sshOverrides = z.strictObject({
  user: nonEmpty.optional(),
  port: port.optional(),
  privateKeyPath: nonEmpty.optional(),
});

const bastion = z.strictObject({
  address: nonEmpty,
  port: port.default(22),
  user: nonEmpty.optional(),
  privateKeyPath: nonEmpty.optional(),
});

const knownHosts = z.strictObject({
  path: nonEmpty.default('~/.hakube/known_hosts'),
  // trust-on-first-use records an unknown host's key (and logs it); strict refuses unknown hosts.
  policy: z.enum(['strict', 'trust-on-first-use']).default('trust-on-first-use'),
});

const ssh = z.strictObject({
  user: nonEmpty.default('root'),
  port: port.default(22),
  privateKeyPath: nonEmpty,
  sudo: z.boolean().optional(),
  connectTimeoutSeconds: z.number().int().min(1).max(600).default(15),
  knownHosts: knownHosts.default({ path: '~/.hakube/known_hosts', policy: 'trust-on-first-use' }),
  bastion: bastion.optional(),
});

const host = z.strictObject({
  name: dnsLabel,
  address: nonEmpty,
  roles: z.array(z.enum(ROLES)).min(1, 'a host needs at least one role'),
  ssh: sshOverrides.optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

const keepalivedEndpoint = z.strictObject({
  mode: z.literal('keepalived'),
  // "a.b.c.d" or "a.b.c.d/prefix"; the prefix (default 24) is the subnet the VIP shares with the masters.
  vip: nonEmpty,
  interface: nonEmpty,
  virtualRouterId: z.number().int().min(1).max(255).default(51),
  port: port.default(16443),
  apiserverPort: port.default(6443),
});

const externalEndpoint = z.strictObject({
  mode: z.literal('external'),
  address: nonEmpty,
  port: port.default(6443),
  apiserverPort: port.default(6443),
});

const controlPlaneEndpoint = z.discriminatedUnion('mode', [keepalivedEndpoint, externalEndpoint]);

const network = z.strictObject({
  podCIDR: nonEmpty.default('10.244.0.0/16'),
  serviceCIDR: nonEmpty.default('10.96.0.0/16'),
  clusterDomain: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS domain')
    .default('cluster.local'),
  clusterDNS: nonEmpty.default('10.96.0.10'),
  nodeLocalDNS: nonEmpty.optional(),
  proxyMode: z.enum(['ipvs', 'iptables']).default('ipvs'),
  // calico (images from upstream registries); flannel (VXLAN overlay with the standard bridge and
  // host-local plugins; its image is in the offline bundle); none: the user installs a CNI after
  // hakube (nodes stay NotReady until then). docs/addons.md compares them.
  cni: z.enum(['calico', 'flannel', 'none']).default('calico'),
});

const addons = z.strictObject({
  calico: z
    .strictObject({
      // How pod traffic crosses nodes: IP-in-IP (the runbooks' default), VXLAN (where IP protocol 4 is
      // filtered), or none (flat routed network).
      encapsulation: z.enum(['IPIP', 'VXLAN', 'None']).default('IPIP'),
      mtu: z.number().int().min(576).max(9000).optional(),
    })
    .default({ encapsulation: 'IPIP' }),
  metricsServer: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
  // How long the install waits for the add-ons' pods to be ready before it reports (as warnings)
  // the ones that are not; 0s only reports. At most 8m (the add-on step's own time limit is 10m).
  readyTimeout: nonEmpty.default('5m'),
});

const backupTarget = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('local'), path: nonEmpty }),
  // `host`: a host of the spec (name or address) or any other address; `ssh` overrides the spec's SSH settings.
  z.strictObject({
    type: z.literal('sftp'),
    host: nonEmpty,
    path: z.string().regex(/^\//, 'must be an absolute path'),
    ssh: sshOverrides.optional(),
  }),
  z.strictObject({
    type: z.literal('s3'),
    endpoint: httpUrl,
    bucket: nonEmpty,
    prefix: z.string().default(''),
    region: z.string().default('us-east-1'),
    credentialsFile: nonEmpty,
  }),
]);

const etcd = z.strictObject({
  dataDir: z.string().regex(/^\//, 'must be an absolute path').default('/var/lib/etcd'),
  backup: z
    .strictObject({
      schedule: nonEmpty.default('0 */6 * * *'),
      keep: z.number().int().min(1, 'must keep at least 1 snapshot').default(10),
      target: backupTarget.optional(),
    })
    .optional(),
});

const certificates = z.strictObject({
  keyAlgorithm: z.enum(['rsa', 'ecdsa']).default('ecdsa'),
  caValidityDays: z.number().int().min(1).default(36500),
  leafValidityDays: z.number().int().min(1).default(365),
  renewBeforeDays: z.number().int().min(0).default(30),
});

// Where nodes get container images: `registry` pulls them from upstream registries (or the
// spec.registryMirrors); `bundle` imports the offline bundle's images into every node's
// containerd, so nothing is pulled (air-gapped hosts). docs/addons.md lists the bundle's images.
const images = z.strictObject({
  source: z.enum(['registry', 'bundle']).default('registry'),
});

const artifacts = z.strictObject({
  source: z.enum(['bundle', 'mirror']).default('bundle'),
  bundleDir: nonEmpty.optional(),
  mirrorURL: httpUrl.optional(),
});

export const clusterSpecSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION, { error: `must be ${API_VERSION}` }),
  kind: z.literal('Cluster', { error: 'must be Cluster' }),
  metadata: z.strictObject({ name: dnsLabel }),
  spec: z.strictObject({
    kubernetesVersion: z
      .string()
      .regex(/^v1\.\d+\.\d+$/, 'must look like v1.34.2')
      .default(DEFAULT_KUBERNETES_VERSION),
    ssh,
    hosts: z.array(host).min(1, 'at least one host is required'),
    controlPlaneEndpoint,
    network: network.default({
      podCIDR: '10.244.0.0/16',
      serviceCIDR: '10.96.0.0/16',
      clusterDomain: 'cluster.local',
      clusterDNS: '10.96.0.10',
      proxyMode: 'ipvs',
      cni: 'calico',
    }),
    etcd: etcd.default({ dataDir: '/var/lib/etcd' }),
    certificates: certificates.default({
      keyAlgorithm: 'ecdsa',
      caValidityDays: 36500,
      leafValidityDays: 365,
      renewBeforeDays: 30,
    }),
    artifacts: artifacts.default({ source: 'bundle' }),
    images: images.default({ source: 'registry' }),
    registryMirrors: z.record(z.string(), z.array(httpUrl)).default({}),
    addons: addons.default({
      calico: { encapsulation: 'IPIP' },
      metricsServer: { enabled: true },
      readyTimeout: '5m',
    }),
  }),
});

/** A cluster spec after defaults are applied. */
export type Cluster = z.output<typeof clusterSpecSchema>;
export type ClusterSpec = Cluster['spec'];
export type HostSpec = ClusterSpec['hosts'][number];
export type SshSpec = ClusterSpec['ssh'];
export type ControlPlaneEndpoint = ClusterSpec['controlPlaneEndpoint'];
