// CAs and the service-account key pair: created once on the first control-plane host (kept
// when present, never silently replaced), then copied to the hosts that need them.
import type { CaProfile, KeyPairProfile } from '../../cluster/pki/profiles';
import { readText, type Host } from '../ssh';
import { certFacts, type CertFacts } from './certificate-check';
import { configInvalid, loadCa } from './ca-store';
import { issueCa, generateKeys, keyMatches, parseCertificate, privateKeyPem, publicKeyPem } from './x509';

export const KEY_MODE = 0o600;
export const CERT_MODE = 0o644;
export const ROOT = 'root:root';

export interface IssuedCert extends CertFacts {
  profile: string;
  host: string;
  path: string;
  changed: boolean;
  /** Why it was (re)issued or copied. */
  reason?: string;
}

export interface KeyPairResult {
  profile: string;
  host: string;
  path: string;
  changed: boolean;
  /** sha256 of the public key (PEM), to compare hosts. */
  publicKeySha256: string;
}

/** Key first: a certificate on disk always has its key beside it. */
export async function writeKeyThenCert(
  host: Host,
  paths: { keyPath: string; certPath: string },
  keyPem: string,
  certPem: string,
): Promise<boolean> {
  const key = await host.ensureFile(paths.keyPath, Buffer.from(keyPem), { mode: KEY_MODE, owner: ROOT });
  const cert = await host.ensureFile(paths.certPath, Buffer.from(certPem), { mode: CERT_MODE, owner: ROOT });
  return key.changed || cert.changed;
}

/** On the source host: keep a present CA (its key must match), create an absent one. */
export async function ensureCaOnSource(source: Host, profile: CaProfile, now: Date): Promise<IssuedCert> {
  const certPem = await readText(source, profile.certPath);
  const keyPem = await readText(source, profile.keyPath);
  const result = { profile: profile.name, host: source.name, path: profile.certPath };
  if (certPem) {
    const cert = parseCertificate(certPem);
    if (!keyPem || !(await keyMatches(keyPem, cert.publicKey))) {
      // Replacing a CA invalidates every certificate it signed: that is a rotation, not an ensure.
      throw configInvalid(
        `${source.name}: ${profile.certPath} exists but ${profile.keyPath} is ${keyPem ? 'not its key' : 'missing'}; ` +
          'restore the key, or move the CA aside to create a new one',
      );
    }
    await source.ensureFile(profile.keyPath, Buffer.from(keyPem), { mode: KEY_MODE, owner: ROOT });
    return { ...result, changed: false, ...(await certFacts(cert, now)) };
  }
  if (keyPem) throw configInvalid(`${source.name}: ${profile.keyPath} exists without ${profile.certPath}`);
  const { cert, keys } = await issueCa(profile, now);
  await writeKeyThenCert(source, profile, await privateKeyPem(keys.privateKey), cert.toString('pem'));
  return { ...result, changed: true, reason: 'absent', ...(await certFacts(cert, now)) };
}

/** On another host: the CA certificate, and its key when the host signs with it. */
export async function distributeCa(
  source: Host,
  host: Host,
  profile: CaProfile,
  now: Date,
): Promise<IssuedCert> {
  const ca = await loadCa(source, profile);
  const cert = await host.ensureFile(profile.certPath, Buffer.from(ca.certPem), {
    mode: CERT_MODE,
    owner: ROOT,
  });
  let keyChanged = false;
  if (profile.keyHosts.includes(host.name)) {
    const key = await host.ensureFile(profile.keyPath, Buffer.from(ca.keyPem), {
      mode: KEY_MODE,
      owner: ROOT,
    });
    keyChanged = key.changed;
  }
  const changed = cert.changed || keyChanged;
  return {
    profile: profile.name,
    host: host.name,
    path: profile.certPath,
    changed,
    ...(changed ? { reason: `copied from ${source.name}` } : {}),
    ...(await certFacts(ca.cert, now)),
  };
}

export async function ensureKeyPairOnSource(source: Host, profile: KeyPairProfile): Promise<KeyPairResult> {
  const keyPem = await readText(source, profile.keyPath);
  let pubPem = await readText(source, profile.publicKeyPath);
  let changed = false;
  if (!keyPem) {
    if (pubPem)
      throw configInvalid(`${source.name}: ${profile.publicKeyPath} exists without ${profile.keyPath}`);
    const keys = await generateKeys(profile.keyAlgorithm);
    pubPem = await publicKeyPem(keys.publicKey);
    await source.ensureFile(profile.keyPath, Buffer.from(await privateKeyPem(keys.privateKey)), {
      mode: KEY_MODE,
      owner: ROOT,
    });
    changed = true;
  } else if (!pubPem) {
    throw configInvalid(`${source.name}: ${profile.publicKeyPath} is missing beside ${profile.keyPath}`);
  }
  const pub = await source.ensureFile(profile.publicKeyPath, Buffer.from(pubPem), {
    mode: CERT_MODE,
    owner: ROOT,
  });
  return {
    profile: profile.name,
    host: source.name,
    path: profile.keyPath,
    changed: changed || pub.changed,
    publicKeySha256: pub.sha256,
  };
}

export async function distributeKeyPair(
  source: Host,
  host: Host,
  profile: KeyPairProfile,
): Promise<KeyPairResult> {
  const keyPem = await readText(source, profile.keyPath);
  const pubPem = await readText(source, profile.publicKeyPath);
  if (!keyPem || !pubPem)
    throw configInvalid(`${profile.name} is missing on ${source.name}; ensure it there first`);
  const key = await host.ensureFile(profile.keyPath, Buffer.from(keyPem), { mode: KEY_MODE, owner: ROOT });
  const pub = await host.ensureFile(profile.publicKeyPath, Buffer.from(pubPem), {
    mode: CERT_MODE,
    owner: ROOT,
  });
  return {
    profile: profile.name,
    host: host.name,
    path: profile.keyPath,
    changed: key.changed || pub.changed,
    publicKeySha256: pub.sha256,
  };
}
