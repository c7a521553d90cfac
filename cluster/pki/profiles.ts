// The certificate table of an HA binary install (kubeadm's, as a typed list): which CA signs
// what, subjects, SANs, usages, paths, and which hosts get each certificate. Pure.
import type { Cluster, HostSpec } from '../spec';
import { kubeconfigs, pki } from '../layout';
import { apiEndpoint, controlPlaneHosts, kubernetesServiceIP, nodeHosts } from '../topology';

export type CaName = 'etcd-ca' | 'kubernetes-ca' | 'front-proxy-ca';
export type Usage = 'serverAuth' | 'clientAuth';

export interface CaProfile {
  name: CaName;
  commonName: string;
  certPath: string;
  keyPath: string;
}

export interface LeafProfile {
  /** Stable name: `certs/<profile>` (used by --only, progress keys, docs). */
  name: string;
  signer: CaName;
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  usages: Usage[];
  certPath: string;
  keyPath: string;
}

export interface KubeconfigProfile {
  name: string;
  path: string;
  userName: string;
  commonName: string;
  organizations: string[];
  /** The API server this kubeconfig talks to: the endpoint, or the local apiserver. */
  server: string;
}

export const CAS: Record<CaName, CaProfile> = {
  'etcd-ca': { name: 'etcd-ca', commonName: 'etcd-ca', certPath: pki.etcdCa.cert, keyPath: pki.etcdCa.key },
  'kubernetes-ca': {
    name: 'kubernetes-ca',
    commonName: 'kubernetes',
    certPath: pki.ca.cert,
    keyPath: pki.ca.key,
  },
  'front-proxy-ca': {
    name: 'front-proxy-ca',
    commonName: 'front-proxy-ca',
    certPath: pki.frontProxyCa.cert,
    keyPath: pki.frontProxyCa.key,
  },
};

const has = (h: HostSpec, role: string) => h.roles.includes(role as HostSpec['roles'][number]);

/** CAs whose certificate a host needs (to verify peers), and CA keys it needs (to sign). */
export function casFor(host: HostSpec): { certs: CaName[]; keys: CaName[]; serviceAccountKey: boolean } {
  const cp = has(host, 'control-plane');
  const certs = new Set<CaName>(['kubernetes-ca']);
  if (cp || has(host, 'etcd')) certs.add('etcd-ca');
  if (cp) certs.add('front-proxy-ca');
  // controller-manager signs kubelet CSRs with the Kubernetes CA on every control-plane host.
  return { certs: [...certs], keys: cp ? ['kubernetes-ca'] : [], serviceAccountKey: cp };
}

export function leafProfilesFor(c: Cluster, host: HostSpec): LeafProfile[] {
  const out: LeafProfile[] = [];
  const leaf = (
    p: Omit<LeafProfile, 'organizations' | 'dnsNames' | 'ipAddresses'> & Partial<LeafProfile>,
  ): LeafProfile => ({
    organizations: [],
    dnsNames: [],
    ipAddresses: [],
    ...p,
  });
  if (has(host, 'etcd')) {
    const sans = { dnsNames: [host.name, 'localhost'], ipAddresses: [host.address, '127.0.0.1'] };
    out.push(
      leaf({
        name: 'certs/etcd-server',
        signer: 'etcd-ca',
        commonName: host.name,
        ...sans,
        usages: ['serverAuth', 'clientAuth'],
        certPath: pki.etcdServer.cert,
        keyPath: pki.etcdServer.key,
      }),
    );
    out.push(
      leaf({
        name: 'certs/etcd-peer',
        signer: 'etcd-ca',
        commonName: host.name,
        ...sans,
        usages: ['serverAuth', 'clientAuth'],
        certPath: pki.etcdPeer.cert,
        keyPath: pki.etcdPeer.key,
      }),
    );
  }
  if (has(host, 'etcd') || has(host, 'control-plane')) {
    out.push(
      leaf({
        name: 'certs/etcd-healthcheck-client',
        signer: 'etcd-ca',
        commonName: 'kube-etcd-healthcheck-client',
        usages: ['clientAuth'],
        certPath: pki.etcdHealthcheckClient.cert,
        keyPath: pki.etcdHealthcheckClient.key,
      }),
    );
  }
  if (has(host, 'control-plane')) {
    const domain = c.spec.network.clusterDomain;
    const endpoint = apiEndpoint(c).host;
    const endpointIsIp = /^\d+\.\d+\.\d+\.\d+$/.test(endpoint);
    out.push(
      leaf({
        name: 'certs/apiserver',
        signer: 'kubernetes-ca',
        commonName: 'kube-apiserver',
        dnsNames: unique([
          'kubernetes',
          'kubernetes.default',
          'kubernetes.default.svc',
          `kubernetes.default.svc.${domain}`,
          'localhost',
          ...controlPlaneHosts(c).map((h) => h.name),
          ...(endpointIsIp ? [] : [endpoint]),
        ]),
        ipAddresses: unique([
          kubernetesServiceIP(c),
          '127.0.0.1',
          ...controlPlaneHosts(c).map((h) => h.address),
          ...(endpointIsIp ? [endpoint] : []),
        ]),
        usages: ['serverAuth'],
        certPath: pki.apiserver.cert,
        keyPath: pki.apiserver.key,
      }),
      leaf({
        name: 'certs/apiserver-kubelet-client',
        signer: 'kubernetes-ca',
        commonName: 'kube-apiserver-kubelet-client',
        organizations: ['kubeadm:cluster-admins'],
        usages: ['clientAuth'],
        certPath: pki.apiserverKubeletClient.cert,
        keyPath: pki.apiserverKubeletClient.key,
      }),
      leaf({
        name: 'certs/apiserver-etcd-client',
        signer: 'etcd-ca',
        commonName: 'kube-apiserver-etcd-client',
        usages: ['clientAuth'],
        certPath: pki.apiserverEtcdClient.cert,
        keyPath: pki.apiserverEtcdClient.key,
      }),
      leaf({
        name: 'certs/front-proxy-client',
        signer: 'front-proxy-ca',
        commonName: 'front-proxy-client',
        usages: ['clientAuth'],
        certPath: pki.frontProxyClient.cert,
        keyPath: pki.frontProxyClient.key,
      }),
    );
  }
  return out;
}

export function kubeconfigProfilesFor(c: Cluster, host: HostSpec): KubeconfigProfile[] {
  const out: KubeconfigProfile[] = [];
  const endpoint = apiEndpoint(c).url;
  if (has(host, 'control-plane')) {
    // Controllers talk to their own host's apiserver, so they work before the VIP does.
    const local = `https://127.0.0.1:${c.spec.controlPlaneEndpoint.apiserverPort}`;
    out.push(
      {
        name: 'kubeconfig/admin',
        path: kubeconfigs.admin,
        userName: 'kubernetes-admin',
        commonName: 'kubernetes-admin',
        organizations: ['system:masters'],
        server: endpoint,
      },
      {
        name: 'kubeconfig/controller-manager',
        path: kubeconfigs.controllerManager,
        userName: 'system:kube-controller-manager',
        commonName: 'system:kube-controller-manager',
        organizations: ['system:kube-controller-manager'],
        server: local,
      },
      {
        name: 'kubeconfig/scheduler',
        path: kubeconfigs.scheduler,
        userName: 'system:kube-scheduler',
        commonName: 'system:kube-scheduler',
        organizations: ['system:kube-scheduler'],
        server: local,
      },
    );
  }
  if (nodeHosts(c).some((h) => h.name === host.name)) {
    out.push({
      name: 'kubeconfig/kube-proxy',
      path: kubeconfigs.kubeProxy,
      userName: 'system:kube-proxy',
      commonName: 'system:kube-proxy',
      organizations: ['system:node-proxier'],
      server: endpoint,
    });
  }
  return out;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
