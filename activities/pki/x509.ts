// Certificate and key building with @peculiar/x509 over Node's WebCrypto: CAs, leaf certs,
// PEM encoding, and the checks that decide whether an existing certificate can be kept.
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { Usage } from '../../cluster/pki/profiles';

// Node's WebCrypto types (the project does not load the DOM lib).
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;
type EcKeyGenParams = webcrypto.EcKeyGenParams;

// Node's webcrypto is the W3C Crypto that x509 expects; its DOM type is not loaded here.
x509.cryptoProvider.set(webcrypto as never);
const subtle = webcrypto.subtle;

export type { CryptoKey };
export type KeyAlgorithm = 'rsa' | 'ecdsa';

export function algorithmFor(kind: KeyAlgorithm): RsaHashedKeyGenParams | EcKeyGenParams {
  return kind === 'rsa'
    ? {
        name: 'RSASSA-PKCS1-v1_5',
        hash: 'SHA-256',
        publicExponent: new Uint8Array([1, 0, 1]),
        modulusLength: 2048,
      }
    : ({ name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as EcKeyGenParams);
}

export function generateKeys(kind: KeyAlgorithm): Promise<CryptoKeyPair> {
  return subtle.generateKey(algorithmFor(kind), true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await subtle.exportKey('pkcs8', key));
}

export async function publicKeyPem(key: CryptoKey): Promise<string> {
  return pem('PUBLIC KEY', await subtle.exportKey('spki', key));
}

function derOf(pemText: string): Buffer {
  return Buffer.from(pemText.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** Imports a PKCS#8 key, for the algorithm of the certificate it belongs to. */
export async function importPrivateKey(pemText: string, cert: x509.X509Certificate): Promise<CryptoKey> {
  const kind: KeyAlgorithm = cert.publicKey.algorithm.name === 'ECDSA' ? 'ecdsa' : 'rsa';
  return subtle.importKey('pkcs8', derOf(pemText), algorithmFor(kind), true, ['sign']);
}

export function parseCertificate(pemText: string): x509.X509Certificate {
  return new x509.X509Certificate(pemText);
}

const DAY_MS = 24 * 60 * 60 * 1000;

function serialNumber(): string {
  // 16 random bytes, top bit cleared so the DER integer stays positive.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  return Buffer.from(bytes).toString('hex');
}

function dn(commonName: string, organizations: string[] = []): string {
  const esc = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  return [`CN=${esc(commonName)}`, ...organizations.map((o) => `O=${esc(o)}`)].join(', ');
}

export async function createCa(commonName: string, kind: KeyAlgorithm, validityDays: number, now: Date) {
  const keys = await generateKeys(kind);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: dn(commonName),
    notBefore: new Date(now.getTime() - 5 * 60 * 1000),
    notAfter: new Date(now.getTime() + validityDays * DAY_MS),
    keys,
    signingAlgorithm: algorithmFor(kind),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

export interface LeafRequest {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  usages: Usage[];
  validityDays: number;
}

const EKU: Record<Usage, string> = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' };

export async function createLeaf(
  req: LeafRequest,
  ca: { cert: x509.X509Certificate; key: CryptoKey },
  kind: KeyAlgorithm,
  now: Date,
) {
  const keys = await generateKeys(kind);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | (kind === 'rsa' ? x509.KeyUsageFlags.keyEncipherment : 0),
      true,
    ),
    new x509.ExtendedKeyUsageExtension(
      req.usages.map((u) => EKU[u]),
      false,
    ),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const names = [
    ...req.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...req.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const notAfter = new Date(Math.min(now.getTime() + req.validityDays * DAY_MS, ca.cert.notAfter.getTime()));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: dn(req.commonName, req.organizations),
    issuer: ca.cert.subject,
    notBefore: new Date(now.getTime() - 5 * 60 * 1000),
    notAfter,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: algorithmFor(ca.cert.publicKey.algorithm.name === 'ECDSA' ? 'ecdsa' : 'rsa'),
    extensions,
  });
  return { cert, keys };
}

export interface CertFacts {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  dnsNames: string[];
  ipAddresses: string[];
  fingerprintSha256: string;
}

export async function certFacts(cert: x509.X509Certificate, now: Date): Promise<CertFacts> {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san?.names.toJSON() ?? [];
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serial: cert.serialNumber,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    daysLeft: Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY_MS),
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    fingerprintSha256: Buffer.from(await cert.getThumbprint('SHA-256')).toString('hex'),
  };
}

/** Why an existing certificate must be reissued, or undefined when it can be kept. */
export async function reasonToReissue(
  cert: x509.X509Certificate,
  keyPem: string | undefined,
  want: LeafRequest,
  ca: x509.X509Certificate,
  renewBeforeDays: number,
  now: Date,
): Promise<string | undefined> {
  if (!keyPem) return 'its key is missing';
  if (cert.issuer !== ca.subject || !(await cert.verify({ publicKey: ca.publicKey, signatureOnly: true })))
    return 'not signed by the current CA';
  if (cert.notAfter.getTime() - now.getTime() < renewBeforeDays * DAY_MS)
    return `expires ${cert.notAfter.toISOString()} (inside renewBefore)`;
  const facts = await certFacts(cert, now);
  const same = (a: string[], b: string[]) =>
    a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);
  if (!same(facts.dnsNames, want.dnsNames) || !same(facts.ipAddresses, want.ipAddresses))
    return 'its SANs differ from the profile';
  if (facts.subject !== dn(want.commonName, want.organizations))
    return `subject ${facts.subject} differs from the profile`;
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  if (
    !same(
      (eku?.usages ?? []).map(String),
      want.usages.map((u) => EKU[u]),
    )
  )
    return 'its extended key usages differ';
  // The key on disk must belong to the certificate (a half-written pair is replaced).
  const key = await importPrivateKey(keyPem, cert).catch(() => undefined);
  if (!key) return 'its key cannot be read';
  const probe = new TextEncoder().encode('hakube');
  const alg =
    cert.publicKey.algorithm.name === 'ECDSA'
      ? { name: 'ECDSA', hash: 'SHA-256' }
      : { name: 'RSASSA-PKCS1-v1_5' };
  const signature = await subtle.sign(alg, key, probe);
  const pub = await cert.publicKey.export(
    algorithmFor(cert.publicKey.algorithm.name === 'ECDSA' ? 'ecdsa' : 'rsa'),
    ['verify'],
  );
  if (!(await subtle.verify(alg, pub, signature, probe))) return 'its key does not match the certificate';
  return undefined;
}
