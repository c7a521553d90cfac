// CA rotation, planned (the etcd CA): a new CA is made next to the old one and trusted alongside
// it everywhere, then every leaf it signs is re-issued from the new CA, then the old CA is no
// longer trusted. Each trust change and re-issue goes one host at a time behind the rotation's
// health gates. Pure: file names, hosts, the leaves, the components, and what a person approves.
import type { Cluster, HostSpec } from '../spec';
import { pkiInputFromCluster } from './input';
import { caProfile, leafProfilesFor } from './profiles';
import type { CaName, CaProfile } from './types';
import { rolloutOrder } from './rotation';

/** The CAs a rotation can replace today. */
export const ROTATABLE_CAS: readonly CaName[] = ['etcd-ca'];

/** What a host's ca.crt holds at each stage: both (the signer first), or only the new one. */
export type TrustStage = 'old-first' | 'new-first' | 'new-only';

export interface CaRotationPaths {
  /** The old CA, kept (never deleted) on every host that had it. */
  oldCert: string;
  oldKey: string;
  /** The new CA while it is staged on the source host. */
  newCert: string;
  newKey: string;
}

export function caRotationPaths(profile: CaProfile, stamp: string): CaRotationPaths {
  return {
    oldCert: `${profile.certPath}.before-ca-rotation-${stamp}`,
    oldKey: `${profile.keyPath}.before-ca-rotation-${stamp}`,
    newCert: `${profile.certPath}.new-${stamp}`,
    newKey: `${profile.keyPath}.new-${stamp}`,
  };
}

export function rotatedCa(c: Cluster, ca: CaName): CaProfile {
  return caProfile(pkiInputFromCluster(c), ca);
}

/** Hosts that trust the CA (have its certificate), in rollout order. */
export function trustingHosts(c: Cluster, ca: CaName): HostSpec[] {
  const profile = rotatedCa(c, ca);
  return rolloutOrder(c).filter((h) => profile.certHosts.includes(h.name));
}

/** The leaves on `host` the CA signs (re-issued from the new CA). */
export function leavesSignedBy(c: Cluster, ca: CaName, host: HostSpec): string[] {
  const input = pkiInputFromCluster(c);
  const pkiHost = input.hosts.find((h) => h.name === host.name);
  return pkiHost
    ? leafProfilesFor(input, pkiHost)
        .filter((p) => p.signer === ca)
        .map((p) => p.name)
    : [];
}

/** Components that load the CA's certificate to verify peers, on `host` (restarted after a trust change). */
export function unitsTrusting(ca: CaName, host: HostSpec): string[] {
  if (ca !== 'etcd-ca') return [];
  return [
    ...(host.roles.includes('etcd') ? ['etcd'] : []),
    ...(host.roles.includes('control-plane') ? ['kube-apiserver'] : []),
  ];
}

export function caRotationPlan(c: Cluster, ca: CaName, stamp: string): string[] {
  const profile = rotatedCa(c, ca);
  const hosts = trustingHosts(c, ca).map((h) => h.name);
  const paths = caRotationPaths(profile, stamp);
  return [
    `1. on ${profile.sourceHost}: keep the current ${ca} as ${paths.oldCert} (and its key), make a new ${ca} (${profile.keyAlgorithm}, ${profile.validityDays} days)`,
    `2. on ${hosts.join(', ')}, one at a time: ${profile.certPath} trusts the old and the new CA; restart what verifies with it; gates`,
    `3. on ${profile.sourceHost}: the new CA signs from now on`,
    `4. on ${hosts.join(', ')}, one at a time: every leaf ${ca} signs re-issued from the new CA (old ones kept as *.before-rotate-${stamp}); restart; gates; served serials checked`,
    `5. on ${hosts.join(', ')}, one at a time: ${profile.certPath} trusts only the new CA; restart; gates`,
    `clients holding certificates from the old ${ca} are refused after step 5`,
  ];
}
