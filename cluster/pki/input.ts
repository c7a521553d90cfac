// What the certificate table needs to know about a cluster: a minimal, plain input (so the
// table can be computed and tested without the whole spec), and the adapter from the spec.
import type { Cluster, Role } from '../spec';
import { apiEndpoint } from '../topology';

export type PkiKeyAlgorithm = 'rsa' | 'ecdsa';

export interface PkiHost {
  name: string;
  address: string;
  roles: readonly Role[];
}

export interface PkiClusterInput {
  clusterName: string;
  /** In spec order: the first control-plane host holds the CA keys (the source of truth). */
  hosts: readonly PkiHost[];
  /** The address clients use for the API: the keepalived VIP (no prefix) or the external LB. */
  controlPlaneEndpoint: { address: string; port: number };
  /** Where each kube-apiserver listens (controllers on a control-plane host dial it locally). */
  apiserverPort: number;
  serviceCIDR: string;
  clusterDomain: string;
  /** More names and addresses for kube-apiserver's certificate (spec.components.apiserver.certSANs). */
  extraSans?: readonly string[];
  keyAlgorithm?: PkiKeyAlgorithm;
  caValidityDays?: number;
  leafValidityDays?: number;
  renewBeforeDays?: number;
}

export const PKI_DEFAULTS = {
  keyAlgorithm: 'ecdsa' as PkiKeyAlgorithm,
  caValidityDays: 36500,
  leafValidityDays: 365,
  renewBeforeDays: 30,
};

/** The table's input from a validated cluster spec. */
export function pkiInputFromCluster(c: Cluster): PkiClusterInput {
  const endpoint = apiEndpoint(c);
  const certSANs = c.spec.components?.apiserver?.certSANs;
  return {
    clusterName: c.metadata.name,
    hosts: c.spec.hosts.map((h) => ({ name: h.name, address: h.address, roles: h.roles })),
    controlPlaneEndpoint: { address: endpoint.host, port: endpoint.port },
    apiserverPort: c.spec.controlPlaneEndpoint.apiserverPort,
    serviceCIDR: c.spec.network.serviceCIDR,
    clusterDomain: c.spec.network.clusterDomain,
    // Only when set: the input of a spec without it stays the object it always was.
    ...(certSANs?.length ? { extraSans: certSANs } : {}),
    ...c.spec.certificates,
  };
}

/** Activities accept either the full spec or the minimal input. */
export function toPkiInput(source: Cluster | PkiClusterInput): PkiClusterInput {
  return 'spec' in source ? pkiInputFromCluster(source) : source;
}
