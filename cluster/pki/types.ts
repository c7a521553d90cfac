// The shapes of the certificate table (see profiles.ts): CAs, the service-account key pair,
// leaf certificates and kubeconfigs. Pure types.
import type { PkiKeyAlgorithm } from './input';

export type CaName = 'etcd-ca' | 'kubernetes-ca' | 'front-proxy-ca';
export type KeyUsage = 'digitalSignature' | 'keyEncipherment' | 'keyCertSign' | 'cRLSign';
export type ExtendedKeyUsage = 'serverAuth' | 'clientAuth';

export interface Validity {
  keyAlgorithm: PkiKeyAlgorithm;
  validityDays: number;
  renewBeforeDays: number;
}

export interface CaProfile extends Validity {
  kind: 'ca';
  /** `certs/ca`, `certs/etcd-ca`, `certs/front-proxy-ca` */
  name: string;
  ca: CaName;
  commonName: string;
  keyUsages: KeyUsage[];
  certPath: string;
  keyPath: string;
  /** Where the CA is created and kept: the first control-plane host. */
  sourceHost: string;
  /** Hosts that get the certificate (to verify peers), and those that also get the key (to sign). */
  certHosts: string[];
  keyHosts: string[];
}

/** A subject and what it may be used for: shared by leaf certificates and kubeconfig users. */
export interface SubjectRequest {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  keyUsages: KeyUsage[];
  extendedKeyUsages: ExtendedKeyUsage[];
}

export interface LeafProfile extends Validity, SubjectRequest {
  kind: 'leaf';
  /** `certs/<kind>/<host>`, e.g. `certs/etcd-server/master-1` */
  name: string;
  host: string;
  signer: CaName;
  certPath: string;
  keyPath: string;
}

export interface KeyPairProfile {
  kind: 'keypair';
  name: 'certs/sa';
  keyAlgorithm: PkiKeyAlgorithm;
  keyPath: string;
  publicKeyPath: string;
  sourceHost: string;
  hosts: string[];
}

export interface KubeconfigProfile extends Validity, SubjectRequest {
  kind: 'kubeconfig';
  /** `kubeconfig/<user>/<host>`, e.g. `kubeconfig/admin/master-1` */
  name: string;
  host: string;
  signer: 'kubernetes-ca';
  path: string;
  clusterName: string;
  userName: string;
  server: string;
}

export type PkiProfile = CaProfile | KeyPairProfile | LeafProfile | KubeconfigProfile;
