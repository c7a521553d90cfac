// The cluster spec (apiVersion hakube.io/v1alpha1, kind Cluster): its schema and types.
// Shape checks live here; cross-field checks (overlaps, quorum, subnets) live in validate.ts.
import { z } from 'zod';
import { HOST_OR_ADDRESS, isPlainHttpUrl } from './spec-shared';
import { components, featureGates, proxy } from './spec-hooks';

export { HOST_OR_ADDRESS, isPlainHttpUrl };

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

// Every free-form field ends up in a root-run shell command, a systemd unit or a config file on
// the hosts, so each is an anchored allow-list of what it can mean, not a block-list of what it
// must not contain. (No string anywhere may hold a control character: validate.ts checks that
// over the whole document first.)

/**
 * A path on a host: absolute, below `/` (never `/` itself), plain characters, no `.` or `..`
 * segments (it reaches units, configs and shell commands, and reset moves it aside).
 */
export const HOST_PATH = /^\/(?!.*\/\.\.?(\/|$))[A-Za-z0-9_@+=,:-][A-Za-z0-9._@+=,:/-]*$/;
const hostPath = z
  .string()
  .regex(
    HOST_PATH,
    'must be an absolute path of letters, digits and . _ - + @ = , : / (no . or .. segments)',
  );
/** A file on the worker's machine (read with Node, never through a shell): `~/` allowed. */
// eslint-disable-next-line no-control-regex
const localPath = nonEmpty.regex(/^[^\x00-\x1f\x7f]+$/, 'must not contain control characters');
/** A POSIX user name (useradd's rule). */
const userName = z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a user name: a-z, 0-9, _ and -');
const hostOrAddress = z.string().regex(HOST_OR_ADDRESS, 'must be an IPv4 address or a DNS name');
/** A Linux interface name (at most 15 characters, no slash or blank). */
const interfaceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,14}$/, 'must be a network interface name (at most 15 characters)');
/** A registry host as containerd names its certs.d folders: `registry.k8s.io`, `host:5000`, `_default`. */
export const REGISTRY_HOST = /^(_default|[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?)$/;
/** Kubernetes label keys and values (the apiserver's own rules). */
const labelKey = z
  .string()
  .regex(
    /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    'must be a Kubernetes label key',
  );
const labelValue = z
  .string()
  .regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, 'must be a Kubernetes label value');

// Shape only; validate.ts checks the numbers (octets, prefix, host bits).
const ipv4 = z.string().regex(/^[0-9]{1,3}(\.[0-9]{1,3}){3}$/, 'must be an IPv4 address');
const ipv4Cidr = z.string().regex(/^[0-9]{1,3}(\.[0-9]{1,3}){3}\/[0-9]{1,2}$/, 'must be an IPv4 CIDR');
const httpUrl = z.string().refine(isPlainHttpUrl, 'must be an http(s) URL without credentials or quotes');

export const ROLES = ['control-plane', 'etcd', 'worker'] as const;
export type Role = (typeof ROLES)[number];

// A passphrase-protected key names a file holding its passphrase (one line, 0600, on the
// worker's machine): the passphrase itself never enters the spec, and so never the history.
const sshOverrides = z.strictObject({
  user: userName.optional(),
  port: port.optional(),
  privateKeyPath: localPath.optional(),
  privateKeyPassphraseFile: localPath.optional(),
});

const bastion = z.strictObject({
  address: hostOrAddress,
  port: port.default(22),
  user: userName.optional(),
  privateKeyPath: localPath.optional(),
  privateKeyPassphraseFile: localPath.optional(),
});

const knownHosts = z.strictObject({
  path: localPath.default('~/.hakube/known_hosts'),
  // strict (the default) refuses hosts whose key is not recorded: `hakube hosts scan --accept`
  // records them after a person compared fingerprints. trust-on-first-use records an unknown
  // host's key on first contact (and logs it): convenient, and open to whoever answers first.
  policy: z.enum(['strict', 'trust-on-first-use']).default('strict'),
});

const ssh = z
  .strictObject({
    user: userName.default('root'),
    port: port.default(22),
    privateKeyPath: localPath.optional(),
    privateKeyPassphraseFile: localPath.optional(),
    // The keys of the ssh-agent the worker reaches through its SSH_AUTH_SOCK, tried after
    // privateKeyPath when both are set. The agent is never forwarded to the hosts.
    agent: z.boolean().optional(),
    sudo: z.boolean().optional(),
    connectTimeoutSeconds: z.number().int().min(1).max(600).default(15),
    knownHosts: knownHosts.default({ path: '~/.hakube/known_hosts', policy: 'strict' }),
    bastion: bastion.optional(),
  })
  .refine((s) => s.privateKeyPath !== undefined || s.agent === true, {
    message: 'set privateKeyPath, or agent: true to use the ssh-agent of the worker',
    path: ['privateKeyPath'],
  });

const host = z.strictObject({
  name: dnsLabel,
  address: hostOrAddress,
  roles: z.array(z.enum(ROLES)).min(1, 'a host needs at least one role'),
  ssh: sshOverrides.optional(),
  labels: z.record(labelKey, labelValue).optional(),
});

const keepalivedEndpoint = z.strictObject({
  mode: z.literal('keepalived'),
  // "a.b.c.d" or "a.b.c.d/prefix"; the prefix (default 24) is the subnet the VIP shares with the masters.
  vip: z
    .string()
    .regex(
      /^[0-9]{1,3}(\.[0-9]{1,3}){3}(\/[0-9]{1,2})?$/,
      'must be an IPv4 address with an optional prefix length',
    ),
  interface: interfaceName,
  virtualRouterId: z.number().int().min(1).max(255).default(51),
  port: port.default(16443),
  apiserverPort: port.default(6443),
});

const externalEndpoint = z.strictObject({
  mode: z.literal('external'),
  address: hostOrAddress,
  port: port.default(6443),
  apiserverPort: port.default(6443),
});

const controlPlaneEndpoint = z.discriminatedUnion('mode', [keepalivedEndpoint, externalEndpoint]);

const network = z.strictObject({
  podCIDR: ipv4Cidr.default('10.244.0.0/16'),
  serviceCIDR: ipv4Cidr.default('10.96.0.0/16'),
  clusterDomain: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS domain')
    .default('cluster.local'),
  clusterDNS: ipv4.default('10.96.0.10'),
  nodeLocalDNS: ipv4.optional(),
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
  z.strictObject({ type: z.literal('local'), path: localPath }),
  // `host`: a host of the spec (name or address) or any other address; `ssh` overrides the spec's SSH settings.
  z.strictObject({
    type: z.literal('sftp'),
    host: hostOrAddress,
    path: hostPath,
    ssh: sshOverrides.optional(),
  }),
  z.strictObject({
    type: z.literal('s3'),
    endpoint: httpUrl,
    // Snapshots and their metadata cross this endpoint: plain http needs saying so.
    allowInsecureHttp: z.boolean().optional(),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
    prefix: z
      .string()
      .regex(
        /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9!_.*'()/-]*$/,
        'must be an S3 key prefix (no . or .. segments)',
      )
      .default(''),
    region: z
      .string()
      .regex(/^[a-z0-9-]{1,32}$/, 'must be a region name')
      .default('us-east-1'),
    credentialsFile: localPath,
  }),
]);

const etcd = z.strictObject({
  dataDir: hostPath.default('/var/lib/etcd'),
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
  bundleDir: localPath.optional(),
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
    registryMirrors: z
      .record(
        z.string().regex(REGISTRY_HOST, 'must be a registry host (like registry.k8s.io or host:5000)'),
        z.array(httpUrl),
      )
      .default({}),
    // Who may decide on an approval (hakube approve/reject, the approve/reject signals, --yes):
    // without it, anyone who can reach Temporal and names themselves. docs/security.md.
    approvals: z
      .strictObject({
        approvers: z
          .array(
            z.string().regex(/^[A-Za-z0-9._@+-]{1,64}$/, 'must be a user name (letters, digits, . _ @ + -)'),
          )
          .min(1, 'list at least one approver, or leave approvals out'),
      })
      .optional(),
    addons: addons.default({
      calico: { encapsulation: 'IPIP' },
      metricsServer: { enabled: true },
      readyTimeout: '5m',
    }),
    // Configuration hooks (spec-hooks.ts, docs/configuration.md): no defaults, so a spec without
    // them parses to the same object as before they existed.
    featureGates: featureGates.optional(),
    components: components.optional(),
    proxy: proxy.optional(),
  }),
});

/** A cluster spec after defaults are applied. */
export type Cluster = z.output<typeof clusterSpecSchema>;
export type ClusterSpec = Cluster['spec'];
export type HostSpec = ClusterSpec['hosts'][number];
export type SshSpec = ClusterSpec['ssh'];
export type ControlPlaneEndpoint = ClusterSpec['controlPlaneEndpoint'];
export type ComponentsSpec = NonNullable<ClusterSpec['components']>;
export type ProxySpec = NonNullable<ClusterSpec['proxy']>;
