// PKI activities (Temporal-ready): inputs are the cluster (spec or minimal PKI input), host
// names and profile names; results are paths, serials, dates, fingerprints and `changed` flags.
// Private keys are generated here or read from the first control-plane host, written to hosts
// 0600, and never returned.
import type { Cluster } from '../../cluster/spec';
import { hostByName } from '../../cluster/topology';
import { toPkiInput, type PkiClusterInput } from '../../cluster/pki/input';
import {
  caProfile,
  caProfiles,
  findProfile,
  kubeconfigProfilesFor,
  leafProfilesFor,
  serviceAccountProfile,
  type CaName,
  type CaProfile,
  type PkiProfile,
} from '../../cluster/pki/profiles';
import type { HostProvider } from '../context';
import type { Host } from '../ssh';
import { configInvalid, loadCa, type LoadedCa } from './ca-store';
import {
  distributeCa,
  distributeKeyPair,
  ensureCaOnSource,
  ensureKeyPairOnSource,
  type IssuedCert,
  type KeyPairResult,
} from './ensure-ca';
import { ensureCertificate, ensureKubeconfig } from './ensure-leaf';
import { inspectCertificates, type InspectResult } from './inspect';
import {
  distributeEncryptionConfig,
  ensureEncryptionConfigOnSource,
  type EncryptionConfigResult,
} from './encryption-config';

export type { IssuedCert, KeyPairResult, InspectResult };
export type PkiClusterSource = Cluster | PkiClusterInput;

/** Hosts by name (tests, simple callers), or the worker's provider (which needs the full spec). */
export type PkiDeps = ({ hostFor(name: string): Host } | { hosts: HostProvider }) & { now?: () => Date };

export interface ProfileInput {
  cluster: PkiClusterSource;
  /** The host to act on (CAs and the SA key: the source host or a host they are copied to). */
  host: string;
  /** A stable profile name: `certs/ca`, `certs/etcd-server/master-1`, `kubeconfig/admin/master-1`. */
  profile: string;
}

export interface AuthoritiesResult {
  host: string;
  cas: IssuedCert[];
  serviceAccountKey: KeyPairResult;
  encryptionConfig: EncryptionConfigResult;
}

function profileOf<K extends PkiProfile['kind']>(
  input: PkiClusterInput,
  name: string,
  kind: K,
): Extract<PkiProfile, { kind: K }> {
  const p = findProfile(input, name);
  if (!p || p.kind !== kind) throw configInvalid(`no ${kind} profile named ${name}`);
  return p as Extract<PkiProfile, { kind: K }>;
}

function checkHost(profile: { name: string; host: string }, host: string): void {
  if (profile.host !== host) throw configInvalid(`${profile.name} belongs on ${profile.host}, not ${host}`);
}

export function createPkiActivities(deps: PkiDeps) {
  const now = deps.now ?? (() => new Date());
  const resolver = (source: PkiClusterSource): ((name: string) => Host) => {
    if ('hostFor' in deps) return (name) => deps.hostFor(name);
    if (!('spec' in source)) throw configInvalid('reaching hosts over SSH needs the full cluster spec');
    return (name) => deps.hosts.hostFor(source, hostByName(source, name));
  };
  const context = (source: PkiClusterSource) => ({ input: toPkiInput(source), hostFor: resolver(source) });
  const loadSigner = (
    input: PkiClusterInput,
    hostFor: (n: string) => Host,
    ca: CaName,
  ): Promise<LoadedCa> => {
    const profile = caProfile(input, ca);
    return loadCa(hostFor(profile.sourceHost), profile);
  };

  async function caOn(hostFor: (n: string) => Host, profile: CaProfile, host: string) {
    if (host === profile.sourceHost) return ensureCaOnSource(hostFor(host), profile, now());
    if (!profile.certHosts.includes(host)) throw configInvalid(`${profile.name} is not for ${host}`);
    return distributeCa(hostFor(profile.sourceHost), hostFor(host), profile, now());
  }

  async function serviceAccountOn(input: PkiClusterInput, hostFor: (n: string) => Host, host: string) {
    const profile = serviceAccountProfile(input);
    if (host === profile.sourceHost) return ensureKeyPairOnSource(hostFor(host), profile);
    return distributeKeyPair(hostFor(profile.sourceHost), hostFor(host), profile);
  }

  /** The Secrets' encryption keys go where the SA key goes: every control-plane host, from the first. */
  async function encryptionConfigOn(input: PkiClusterInput, hostFor: (n: string) => Host, host: string) {
    const source = serviceAccountProfile(input).sourceHost;
    if (host === source) return ensureEncryptionConfigOnSource(hostFor(host));
    return distributeEncryptionConfig(hostFor(source), hostFor(host));
  }

  return {
    /** A CA on its source host (created when absent), or copied to another host. */
    async ensureCA(req: ProfileInput): Promise<IssuedCert> {
      const { input, hostFor } = context(req.cluster);
      return caOn(hostFor, profileOf(input, req.profile, 'ca'), req.host);
    },

    /** The service-account signing key pair on the first control-plane host, or copied to another. */
    async ensureServiceAccountKey(req: { cluster: PkiClusterSource; host: string }): Promise<KeyPairResult> {
      const { input, hostFor } = context(req.cluster);
      return serviceAccountOn(input, hostFor, req.host);
    },

    async ensureCertificate(req: ProfileInput): Promise<IssuedCert> {
      const { input, hostFor } = context(req.cluster);
      const profile = profileOf(input, req.profile, 'leaf');
      checkHost(profile, req.host);
      return ensureCertificate(
        hostFor(req.host),
        profile,
        await loadSigner(input, hostFor, profile.signer),
        now(),
      );
    },

    async ensureKubeconfig(req: ProfileInput): Promise<IssuedCert> {
      const { input, hostFor } = context(req.cluster);
      const profile = profileOf(input, req.profile, 'kubeconfig');
      checkHost(profile, req.host);
      return ensureKubeconfig(
        hostFor(req.host),
        profile,
        await loadSigner(input, hostFor, profile.signer),
        now(),
      );
    },

    async inspectCertificates(req: { cluster?: PkiClusterSource; host: string }): Promise<InspectResult> {
      const hostFor =
        'hostFor' in deps ? (n: string) => deps.hostFor(n) : req.cluster ? resolver(req.cluster) : undefined;
      if (!hostFor) throw configInvalid('inspectCertificates over SSH needs the cluster spec');
      return inspectCertificates(hostFor(req.host), now());
    },

    /** The certs phase, step 1: every CA and the SA key pair on the first control-plane host. */
    async ensureAuthorities(req: { cluster: PkiClusterSource }): Promise<AuthoritiesResult> {
      const { input, hostFor } = context(req.cluster);
      const cas: IssuedCert[] = [];
      for (const profile of caProfiles(input)) cas.push(await caOn(hostFor, profile, profile.sourceHost));
      const sa = serviceAccountProfile(input);
      return {
        host: sa.sourceHost,
        cas,
        serviceAccountKey: await serviceAccountOn(input, hostFor, sa.sourceHost),
        encryptionConfig: await encryptionConfigOn(input, hostFor, sa.sourceHost),
      };
    },

    /** The certs phase, step 2 (hosts in parallel): CA copies, SA key, leaf certificates, kubeconfigs. */
    async ensureHostCertificates(req: { cluster: PkiClusterSource; host: string }): Promise<IssuedCert[]> {
      const { input, hostFor } = context(req.cluster);
      const spec = input.hosts.find((h) => h.name === req.host);
      if (!spec) throw configInvalid(`unknown host ${req.host}`);
      const host = hostFor(req.host);
      const results: IssuedCert[] = [];
      const signers = new Map<CaName, LoadedCa>();
      for (const profile of caProfiles(input)) {
        if (profile.certHosts.includes(req.host)) results.push(await caOn(hostFor, profile, req.host));
      }
      if (serviceAccountProfile(input).hosts.includes(req.host)) {
        await serviceAccountOn(input, hostFor, req.host);
        await encryptionConfigOn(input, hostFor, req.host);
      }
      const signer = async (ca: CaName) => {
        if (!signers.has(ca)) signers.set(ca, await loadSigner(input, hostFor, ca));
        return signers.get(ca) as LoadedCa;
      };
      for (const profile of leafProfilesFor(input, spec))
        results.push(await ensureCertificate(host, profile, await signer(profile.signer), now()));
      for (const profile of kubeconfigProfilesFor(input, spec))
        results.push(await ensureKubeconfig(host, profile, await signer(profile.signer), now()));
      return results;
    },
  };
}

export type PkiActivities = ReturnType<typeof createPkiActivities>;
