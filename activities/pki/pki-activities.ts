// PKI activities. Inputs are the spec and host names; results are paths, serials, expiry dates
// and fingerprints. Private keys are created here or read from the first control-plane host,
// written to hosts 0600, and never returned.
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from '../../cluster/errors';
import { pki, PKI_DIR, ETCD_PKI_DIR } from '../../cluster/layout';
import {
  CAS,
  casFor,
  kubeconfigProfilesFor,
  leafProfilesFor,
  type LeafProfile,
} from '../../cluster/pki/profiles';
import { readEmbeddedKubeconfig, renderEmbeddedKubeconfig } from '../../cluster/render/kubeconfig';
import { hostByName, primaryControlPlane } from '../../cluster/topology';
import type { Cluster } from '../../cluster/spec';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import type { Host } from '../ssh';
import { loadAuthorities, type Authorities } from './authority-store';
import {
  certFacts,
  createCa,
  createLeaf,
  generateKeys,
  parseCertificate,
  privateKeyPem,
  publicKeyPem,
  reasonToReissue,
  type CertFacts,
  type LeafRequest,
} from './x509';

export interface IssuedCert extends CertFacts {
  profile: string;
  path: string;
  changed: boolean;
  reason?: string;
}

export interface AuthoritiesResult {
  host: string;
  cas: IssuedCert[];
  serviceAccountKey: { changed: boolean; path: string };
}

const KEY_MODE = 0o600;
const CERT_MODE = 0o644;

async function writeKeyThenCert(
  host: Host,
  keyPath: string,
  keyPem: string,
  certPath: string,
  certPem: string,
): Promise<void> {
  // Key first: a certificate on disk always has its key beside it.
  await host.ensureFile(keyPath, Buffer.from(keyPem), { mode: KEY_MODE, owner: 'root:root' });
  await host.ensureFile(certPath, Buffer.from(certPem), { mode: CERT_MODE, owner: 'root:root' });
}

function leafRequest(
  c: Cluster,
  p: Pick<LeafProfile, 'commonName' | 'organizations' | 'dnsNames' | 'ipAddresses' | 'usages'>,
): LeafRequest {
  return { ...p, validityDays: c.spec.certificates.leafValidityDays };
}

async function ensureLeafOnHost(
  c: Cluster,
  host: Host,
  auth: Authorities,
  profile: Pick<
    LeafProfile,
    | 'name'
    | 'signer'
    | 'commonName'
    | 'organizations'
    | 'dnsNames'
    | 'ipAddresses'
    | 'usages'
    | 'certPath'
    | 'keyPath'
  >,
  now: Date,
): Promise<IssuedCert> {
  const ca = auth.cas[profile.signer];
  const want = leafRequest(c, profile);
  const certPem = (await host.readFile(profile.certPath))?.toString('utf8');
  const keyPem = (await host.readFile(profile.keyPath))?.toString('utf8');
  if (certPem) {
    const existing = parseCertificate(certPem);
    const reason = await reasonToReissue(
      existing,
      keyPem,
      want,
      ca.cert,
      c.spec.certificates.renewBeforeDays,
      now,
    );
    if (!reason)
      return {
        profile: profile.name,
        path: profile.certPath,
        changed: false,
        ...(await certFacts(existing, now)),
      };
    const issued = await issue(c, host, profile, auth, now);
    return { ...issued, reason };
  }
  return { ...(await issue(c, host, profile, auth, now)), reason: 'absent' };
}

async function issue(
  c: Cluster,
  host: Host,
  profile: Pick<LeafProfile, 'name' | 'signer' | 'certPath' | 'keyPath'> & LeafRequestLike,
  auth: Authorities,
  now: Date,
): Promise<IssuedCert> {
  const ca = auth.cas[profile.signer];
  const { cert, keys } = await createLeaf(
    leafRequest(c, profile),
    { cert: ca.cert, key: ca.key },
    c.spec.certificates.keyAlgorithm,
    now,
  );
  await writeKeyThenCert(
    host,
    profile.keyPath,
    await privateKeyPem(keys.privateKey),
    profile.certPath,
    cert.toString('pem'),
  );
  return { profile: profile.name, path: profile.certPath, changed: true, ...(await certFacts(cert, now)) };
}

type LeafRequestLike = Pick<
  LeafProfile,
  'commonName' | 'organizations' | 'dnsNames' | 'ipAddresses' | 'usages'
>;

async function ensureKubeconfigOnHost(
  c: Cluster,
  host: Host,
  auth: Authorities,
  kc: ReturnType<typeof kubeconfigProfilesFor>[number],
  now: Date,
): Promise<IssuedCert> {
  const ca = auth.cas['kubernetes-ca'];
  const want = leafRequest(c, {
    commonName: kc.commonName,
    organizations: kc.organizations,
    dnsNames: [],
    ipAddresses: [],
    usages: ['clientAuth'],
  });
  const current = (await host.readFile(kc.path))?.toString('utf8');
  let reason = 'absent';
  if (current) {
    const parsed = readEmbeddedKubeconfig(current);
    if (parsed.server !== kc.server) reason = `server is ${parsed.server}, wanted ${kc.server}`;
    else if (parsed.caPem?.trim() !== ca.certPem.trim()) reason = 'its CA is not the current one';
    else if (!parsed.certPem) reason = 'no embedded client certificate';
    else {
      const cert = parseCertificate(parsed.certPem);
      const why = await reasonToReissue(
        cert,
        parsed.keyPem,
        want,
        ca.cert,
        c.spec.certificates.renewBeforeDays,
        now,
      );
      if (!why) return { profile: kc.name, path: kc.path, changed: false, ...(await certFacts(cert, now)) };
      reason = why;
    }
  }
  const { cert, keys } = await createLeaf(
    want,
    { cert: ca.cert, key: ca.key },
    c.spec.certificates.keyAlgorithm,
    now,
  );
  const text = renderEmbeddedKubeconfig({
    cluster: c.metadata.name,
    server: kc.server,
    caPem: ca.certPem,
    userName: kc.userName,
    certPem: cert.toString('pem'),
    keyPem: await privateKeyPem(keys.privateKey),
  });
  await host.ensureFile(kc.path, Buffer.from(text), { mode: KEY_MODE, owner: 'root:root' });
  return { profile: kc.name, path: kc.path, changed: true, reason, ...(await certFacts(cert, now)) };
}

export function createPkiActivities(deps: { hosts: HostProvider; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const primaryOf = (c: Cluster) =>
    resolveHost(deps.hosts, { cluster: c, host: primaryControlPlane(c).name }).host;

  return {
    /** CAs and the service-account key pair on the first control-plane host; kept when present. */
    async ensureAuthorities(input: { cluster: Cluster }): Promise<AuthoritiesResult> {
      const c = input.cluster;
      const primary = primaryOf(c);
      await primary.ensureDir(PKI_DIR, { mode: 0o755 });
      await primary.ensureDir(ETCD_PKI_DIR, { mode: 0o755 });
      const cas: IssuedCert[] = [];
      for (const ca of Object.values(CAS)) {
        const certPem = (await primary.readFile(ca.certPath))?.toString('utf8');
        const keyExists = (await primary.stat(ca.keyPath)) !== undefined;
        if (certPem && keyExists) {
          cas.push({
            profile: `certs/${ca.name}`,
            path: ca.certPath,
            changed: false,
            ...(await certFacts(parseCertificate(certPem), now())),
          });
          continue;
        }
        if (certPem && !keyExists) {
          throw ApplicationFailure.create({
            type: ErrorTypes.ConfigInvalid,
            message: `${primary.name}: ${ca.certPath} exists but its key ${ca.keyPath} does not; restore the key (or move the CA aside) before continuing`,
            nonRetryable: true,
          });
        }
        const { cert, keys } = await createCa(
          ca.commonName,
          c.spec.certificates.keyAlgorithm,
          c.spec.certificates.caValidityDays,
          now(),
        );
        await writeKeyThenCert(
          primary,
          ca.keyPath,
          await privateKeyPem(keys.privateKey),
          ca.certPath,
          cert.toString('pem'),
        );
        cas.push({
          profile: `certs/${ca.name}`,
          path: ca.certPath,
          changed: true,
          reason: 'absent',
          ...(await certFacts(cert, now())),
        });
      }
      let saChanged = false;
      if (!(await primary.stat(pki.serviceAccount.key)) || !(await primary.stat(pki.serviceAccount.pub))) {
        const keys = await generateKeys(c.spec.certificates.keyAlgorithm);
        await primary.ensureFile(pki.serviceAccount.key, Buffer.from(await privateKeyPem(keys.privateKey)), {
          mode: KEY_MODE,
          owner: 'root:root',
        });
        await primary.ensureFile(pki.serviceAccount.pub, Buffer.from(await publicKeyPem(keys.publicKey)), {
          mode: CERT_MODE,
          owner: 'root:root',
        });
        saChanged = true;
      }
      return {
        host: primary.name,
        cas,
        serviceAccountKey: { changed: saChanged, path: pki.serviceAccount.key },
      };
    },

    /** Every certificate and kubeconfig a host's roles need, from the primary's CAs. */
    async ensureHostCertificates(input: HostInput): Promise<IssuedCert[]> {
      const c = input.cluster;
      const spec = hostByName(c, input.host);
      const { host } = resolveHost(deps.hosts, input);
      const auth = await loadAuthorities(primaryOf(c));
      await host.ensureDir(PKI_DIR, { mode: 0o755 });
      const needs = casFor(spec);
      if (needs.certs.includes('etcd-ca')) await host.ensureDir(ETCD_PKI_DIR, { mode: 0o755 });
      for (const name of needs.certs)
        await host.ensureFile(CAS[name].certPath, Buffer.from(auth.cas[name].certPem), {
          mode: CERT_MODE,
          owner: 'root:root',
        });
      for (const name of needs.keys)
        await host.ensureFile(CAS[name].keyPath, Buffer.from(auth.cas[name].keyPem), {
          mode: KEY_MODE,
          owner: 'root:root',
        });
      if (needs.serviceAccountKey) {
        await host.ensureFile(pki.serviceAccount.key, Buffer.from(auth.serviceAccount.keyPem), {
          mode: KEY_MODE,
          owner: 'root:root',
        });
        await host.ensureFile(pki.serviceAccount.pub, Buffer.from(auth.serviceAccount.pubPem), {
          mode: CERT_MODE,
          owner: 'root:root',
        });
      }
      const results: IssuedCert[] = [];
      for (const profile of leafProfilesFor(c, spec))
        results.push(await ensureLeafOnHost(c, host, auth, profile, now()));
      for (const kc of kubeconfigProfilesFor(c, spec))
        results.push(await ensureKubeconfigOnHost(c, host, auth, kc, now()));
      return results;
    },
  };
}
