// The certificate table of an HA binary install, kubeadm style: every CA, key pair, leaf
// certificate and kubeconfig, with its stable name, subject, SANs, usages, validity, paths and
// the hosts that get it. Pure: no I/O, no clock, no randomness (callers bring `now` and serials).
import { firstServiceIP, isIPv4, parseCidr } from '../net';
import { kubeconfigs, pki } from '../layout';
import { PKI_DEFAULTS, type PkiClusterInput, type PkiHost } from './input';
import type {
  CaName,
  CaProfile,
  ExtendedKeyUsage,
  KeyPairProfile,
  KeyUsage,
  KubeconfigProfile,
  LeafProfile,
  PkiProfile,
  SubjectRequest,
  Validity,
} from './types';

export type * from './types';

const has = (h: PkiHost, role: PkiHost['roles'][number]) => h.roles.includes(role);
const isControlPlane = (h: PkiHost) => has(h, 'control-plane');
const isEtcd = (h: PkiHost) => has(h, 'etcd');
const isNode = (h: PkiHost) => has(h, 'worker') || isControlPlane(h);
const unique = (values: string[]) => [...new Set(values)];

export function primaryControlPlaneName(input: PkiClusterInput): string {
  const primary = input.hosts.find(isControlPlane);
  if (!primary) throw new Error('the certificate table needs at least one control-plane host');
  return primary.name;
}

function validity(input: PkiClusterInput, kind: 'ca' | 'leaf'): Validity {
  return {
    keyAlgorithm: input.keyAlgorithm ?? PKI_DEFAULTS.keyAlgorithm,
    validityDays:
      kind === 'ca'
        ? (input.caValidityDays ?? PKI_DEFAULTS.caValidityDays)
        : (input.leafValidityDays ?? PKI_DEFAULTS.leafValidityDays),
    renewBeforeDays: input.renewBeforeDays ?? PKI_DEFAULTS.renewBeforeDays,
  };
}

/** A leaf's key usages: keyEncipherment only makes sense for RSA keys. */
function leafKeyUsages(input: PkiClusterInput): KeyUsage[] {
  return (input.keyAlgorithm ?? PKI_DEFAULTS.keyAlgorithm) === 'rsa'
    ? ['digitalSignature', 'keyEncipherment']
    : ['digitalSignature'];
}

export function caProfiles(input: PkiClusterInput): CaProfile[] {
  const source = primaryControlPlaneName(input);
  const names = (pred: (h: PkiHost) => boolean) => input.hosts.filter(pred).map((h) => h.name);
  const ca = (
    name: string,
    caName: CaName,
    commonName: string,
    paths: { cert: string; key: string },
    certHosts: string[],
    keyHosts: string[],
  ): CaProfile => ({
    kind: 'ca',
    name,
    ca: caName,
    commonName,
    keyUsages: ['digitalSignature', 'keyCertSign', 'cRLSign'],
    certPath: paths.cert,
    keyPath: paths.key,
    sourceHost: source,
    certHosts,
    keyHosts,
    ...validity(input, 'ca'),
  });
  return [
    ca(
      'certs/etcd-ca',
      'etcd-ca',
      'etcd-ca',
      pki.etcdCa,
      names((h) => isEtcd(h) || isControlPlane(h)),
      [source],
    ),
    // Every control-plane host's controller-manager signs kubelet CSRs: it needs the key too.
    ca(
      'certs/ca',
      'kubernetes-ca',
      'kubernetes',
      pki.ca,
      names(() => true),
      names(isControlPlane),
    ),
    ca('certs/front-proxy-ca', 'front-proxy-ca', 'front-proxy-ca', pki.frontProxyCa, names(isControlPlane), [
      source,
    ]),
  ];
}

/** The profile of one CA (every cluster has all three). */
export function caProfile(input: PkiClusterInput, ca: CaName): CaProfile {
  const profile = caProfiles(input).find((p) => p.ca === ca);
  if (!profile) throw new Error(`no CA profile ${ca}`);
  return profile;
}

export function serviceAccountProfile(input: PkiClusterInput): KeyPairProfile {
  return {
    kind: 'keypair',
    name: 'certs/sa',
    keyAlgorithm: input.keyAlgorithm ?? PKI_DEFAULTS.keyAlgorithm,
    keyPath: pki.serviceAccount.key,
    publicKeyPath: pki.serviceAccount.pub,
    sourceHost: primaryControlPlaneName(input),
    hosts: input.hosts.filter(isControlPlane).map((h) => h.name),
  };
}

/** The SANs of kube-apiserver's serving certificate (the same on every control-plane host). */
export function apiserverSans(input: PkiClusterInput): { dnsNames: string[]; ipAddresses: string[] } {
  const cidr = parseCidr(input.serviceCIDR);
  if (!cidr) throw new Error(`invalid serviceCIDR ${input.serviceCIDR}`);
  const cps = input.hosts.filter(isControlPlane);
  const endpoint = input.controlPlaneEndpoint.address;
  const extra = input.extraSans ?? [];
  return {
    dnsNames: unique([
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      `kubernetes.default.svc.${input.clusterDomain}`,
      'localhost',
      ...cps.map((h) => h.name),
      ...(isIPv4(endpoint) ? [] : [endpoint]),
      ...extra.filter((n) => !isIPv4(n)),
    ]),
    ipAddresses: unique([
      firstServiceIP(cidr),
      '127.0.0.1',
      ...cps.map((h) => h.address),
      ...(isIPv4(endpoint) ? [endpoint] : []),
      ...extra.filter(isIPv4),
    ]),
  };
}

export function leafProfilesFor(input: PkiClusterInput, host: PkiHost): LeafProfile[] {
  const base = { host: host.name, keyUsages: leafKeyUsages(input), ...validity(input, 'leaf') };
  const leaf = (
    kind: string,
    signer: CaName,
    paths: { cert: string; key: string },
    subject: Partial<SubjectRequest> & Pick<SubjectRequest, 'commonName' | 'extendedKeyUsages'>,
  ): LeafProfile => ({
    kind: 'leaf',
    name: `certs/${kind}/${host.name}`,
    signer,
    certPath: paths.cert,
    keyPath: paths.key,
    organizations: [],
    dnsNames: [],
    ipAddresses: [],
    ...base,
    ...subject,
  });
  const out: LeafProfile[] = [];
  if (isEtcd(host)) {
    const sans = { dnsNames: [host.name, 'localhost'], ipAddresses: unique([host.address, '127.0.0.1']) };
    const both: ExtendedKeyUsage[] = ['serverAuth', 'clientAuth'];
    out.push(
      leaf('etcd-server', 'etcd-ca', pki.etcdServer, {
        commonName: host.name,
        ...sans,
        extendedKeyUsages: both,
      }),
      leaf('etcd-peer', 'etcd-ca', pki.etcdPeer, { commonName: host.name, ...sans, extendedKeyUsages: both }),
    );
  }
  if (isEtcd(host) || isControlPlane(host)) {
    // etcdctl for health checks, snapshots and member changes.
    out.push(
      leaf('etcd-healthcheck-client', 'etcd-ca', pki.etcdHealthcheckClient, {
        commonName: 'kube-etcd-healthcheck-client',
        extendedKeyUsages: ['clientAuth'],
      }),
    );
  }
  if (isControlPlane(host)) {
    out.push(
      leaf('apiserver', 'kubernetes-ca', pki.apiserver, {
        commonName: 'kube-apiserver',
        ...apiserverSans(input),
        extendedKeyUsages: ['serverAuth'],
      }),
      leaf('apiserver-kubelet-client', 'kubernetes-ca', pki.apiserverKubeletClient, {
        commonName: 'kube-apiserver-kubelet-client',
        organizations: ['kubeadm:cluster-admins'],
        extendedKeyUsages: ['clientAuth'],
      }),
      leaf('apiserver-etcd-client', 'etcd-ca', pki.apiserverEtcdClient, {
        commonName: 'kube-apiserver-etcd-client',
        extendedKeyUsages: ['clientAuth'],
      }),
      leaf('front-proxy-client', 'front-proxy-ca', pki.frontProxyClient, {
        commonName: 'front-proxy-client',
        extendedKeyUsages: ['clientAuth'],
      }),
    );
  }
  return out;
}

/** The group of admin.conf, bound to the cluster-admin ClusterRole (cluster/manifests/rbac.ts). */
export const CLUSTER_ADMINS_GROUP = 'hakube:cluster-admins';

export function kubeconfigProfilesFor(input: PkiClusterInput, host: PkiHost): KubeconfigProfile[] {
  const endpoint = `https://${input.controlPlaneEndpoint.address}:${input.controlPlaneEndpoint.port}`;
  // Controllers talk to their own host's apiserver, so they work before the VIP does.
  const local = `https://127.0.0.1:${input.apiserverPort}`;
  const kc = (
    user: string,
    path: string,
    subject: string,
    org: string,
    server: string,
  ): KubeconfigProfile => ({
    kind: 'kubeconfig',
    name: `kubeconfig/${user}/${host.name}`,
    host: host.name,
    signer: 'kubernetes-ca',
    path,
    clusterName: input.clusterName,
    userName: subject,
    server,
    commonName: subject,
    organizations: [org],
    dnsNames: [],
    ipAddresses: [],
    keyUsages: leafKeyUsages(input),
    extendedKeyUsages: ['clientAuth'],
    ...validity(input, 'leaf'),
  });
  const out: KubeconfigProfile[] = [];
  if (isControlPlane(host)) {
    out.push(
      // As kubeadm since 1.29: the administrators' kubeconfig (what `hakube kubeconfig` hands
      // out) is in a group bound to cluster-admin, so a leaked copy can be cut off by RBAC; the
      // system:masters credential, which bypasses RBAC, is written first (it creates that
      // binding) and never leaves the control-plane hosts.
      kc('super-admin', kubeconfigs.superAdmin, 'kubernetes-super-admin', 'system:masters', endpoint),
      kc('admin', kubeconfigs.admin, 'kubernetes-admin', CLUSTER_ADMINS_GROUP, endpoint),
      kc(
        'controller-manager',
        kubeconfigs.controllerManager,
        'system:kube-controller-manager',
        'system:kube-controller-manager',
        local,
      ),
      kc('scheduler', kubeconfigs.scheduler, 'system:kube-scheduler', 'system:kube-scheduler', local),
    );
  }
  if (isNode(host)) {
    out.push(kc('kube-proxy', kubeconfigs.kubeProxy, 'system:kube-proxy', 'system:node-proxier', endpoint));
  }
  return out;
}

/** The whole table, in the order an install creates it: CAs, the SA key pair, then per host. */
export function certificateProfiles(input: PkiClusterInput): PkiProfile[] {
  return [
    ...caProfiles(input),
    serviceAccountProfile(input),
    ...input.hosts.flatMap((h) => [...leafProfilesFor(input, h), ...kubeconfigProfilesFor(input, h)]),
  ];
}

/** Profiles that put files on a host (a CA counts when the host gets its certificate). */
export function profilesForHost(input: PkiClusterInput, hostName: string): PkiProfile[] {
  return certificateProfiles(input).filter((p) => {
    switch (p.kind) {
      case 'ca':
        return p.certHosts.includes(hostName);
      case 'keypair':
        return p.hosts.includes(hostName);
      default:
        return p.host === hostName;
    }
  });
}

export function findProfile(input: PkiClusterInput, name: string): PkiProfile | undefined {
  return certificateProfiles(input).find((p) => p.name === name);
}
