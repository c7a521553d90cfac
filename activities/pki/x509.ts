// Certificate and key building with @peculiar/x509 over Node's WebCrypto (RSA 2048 or ECDSA
// P-256): key pairs, PEM encoding, self-signed CAs and CA-signed leaf certificates.
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { ExtendedKeyUsage, KeyUsage, SubjectRequest } from '../../cluster/pki/profiles';
import type { PkiKeyAlgorithm } from '../../cluster/pki/input';

// Node's WebCrypto types (the project does not load the DOM lib).
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

// Node's webcrypto is the W3C Crypto that x509 expects; its DOM type is not loaded here.
type W3cCrypto = Parameters<typeof x509.cryptoProvider.set>[0];
const provider = webcrypto as unknown as W3cCrypto;
x509.cryptoProvider.set(provider);
export const subtle = webcrypto.subtle;

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Backdating absorbs clock skew between the worker and the hosts. */
const BACKDATE_MS = 5 * 60 * 1000;

export function algorithmFor(
  kind: PkiKeyAlgorithm,
): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  return kind === 'rsa'
    ? {
        name: 'RSASSA-PKCS1-v1_5',
        hash: 'SHA-256',
        publicExponent: new Uint8Array([1, 0, 1]),
        modulusLength: 2048,
      }
    : { name: 'ECDSA', namedCurve: 'P-256' };
}

/** Signing parameters (ECDSA needs the hash here, RSASSA takes it from the key). */
export function signingAlgorithmFor(
  kind: PkiKeyAlgorithm,
): webcrypto.RsaHashedImportParams | webcrypto.EcdsaParams {
  return kind === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'ECDSA', hash: 'SHA-256' };
}

export function keyAlgorithmOf(cert: x509.X509Certificate): PkiKeyAlgorithm {
  return cert.publicKey.algorithm.name === 'ECDSA' ? 'ecdsa' : 'rsa';
}

export function generateKeys(kind: PkiKeyAlgorithm): Promise<CryptoKeyPair> {
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

/** Imports a PKCS#8 private key of the given algorithm. */
export function importPrivateKey(pemText: string, kind: PkiKeyAlgorithm): Promise<CryptoKey> {
  return subtle.importKey('pkcs8', derOf(pemText), algorithmFor(kind), true, ['sign']);
}

/** Does this private key belong to that public key? (Sign a probe, verify it.) */
export async function keyMatches(keyPem: string, publicKey: x509.PublicKey): Promise<boolean> {
  const kind: PkiKeyAlgorithm = publicKey.algorithm.name === 'ECDSA' ? 'ecdsa' : 'rsa';
  try {
    const key = await importPrivateKey(keyPem, kind);
    const probe = new TextEncoder().encode('hakube key probe');
    const alg = signingAlgorithmFor(kind);
    const signature = await subtle.sign(alg, key, probe);
    const pub = await publicKey.export(algorithmFor(kind), ['verify'], provider);
    return await subtle.verify(alg, pub, signature, probe);
  } catch {
    return false;
  }
}

/** The first certificate of a PEM text: a CA file may be a bundle (during a CA rotation), signer first. */
export function parseCertificate(pemText: string): x509.X509Certificate {
  const first = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(pemText)?.[0];
  return new x509.X509Certificate(first ?? pemText);
}

/** 16 random bytes, top bit cleared so the DER integer stays positive. */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01; // never a leading zero byte
  return Buffer.from(bytes).toString('hex');
}

/** RFC 4514 distinguished name with the CN first, then each O. */
export function distinguishedName(commonName: string, organizations: readonly string[] = []): string {
  const esc = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  return [`CN=${esc(commonName)}`, ...organizations.map((o) => `O=${esc(o)}`)].join(', ');
}

const KEY_USAGE_FLAGS: Record<KeyUsage, x509.KeyUsageFlags> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
  cRLSign: x509.KeyUsageFlags.cRLSign,
};
export const EKU_OIDS: Record<ExtendedKeyUsage, string> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

export function keyUsageFlags(usages: readonly KeyUsage[]): number {
  return usages.reduce((acc, u) => acc | KEY_USAGE_FLAGS[u], 0);
}

export interface CaRequest {
  commonName: string;
  keyUsages: KeyUsage[];
  keyAlgorithm: PkiKeyAlgorithm;
  validityDays: number;
}

export async function issueCa(req: CaRequest, now: Date, serial = randomSerial()) {
  const keys = await generateKeys(req.keyAlgorithm);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    name: distinguishedName(req.commonName),
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + req.validityDays * DAY_MS),
    keys,
    signingAlgorithm: signingAlgorithmFor(req.keyAlgorithm),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(keyUsageFlags(req.keyUsages), true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

export interface LeafRequest extends SubjectRequest {
  keyAlgorithm: PkiKeyAlgorithm;
  validityDays: number;
}

export interface SigningCa {
  cert: x509.X509Certificate;
  key: CryptoKey;
}

export async function issueLeaf(req: LeafRequest, ca: SigningCa, now: Date, serial = randomSerial()) {
  const keys = await generateKeys(req.keyAlgorithm);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(keyUsageFlags(req.keyUsages), true),
    new x509.ExtendedKeyUsageExtension(
      req.extendedKeyUsages.map((u) => EKU_OIDS[u]),
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
  // A leaf never outlives its CA.
  const notAfter = new Date(Math.min(now.getTime() + req.validityDays * DAY_MS, ca.cert.notAfter.getTime()));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: distinguishedName(req.commonName, req.organizations),
    issuer: ca.cert.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: signingAlgorithmFor(keyAlgorithmOf(ca.cert)),
    extensions,
  });
  return { cert, keys };
}

/** An ad-hoc CA (tests, foreign CAs): CA key usages, one algorithm, a validity in days. */
export function createCa(commonName: string, kind: PkiKeyAlgorithm, validityDays: number, now: Date) {
  return issueCa(
    {
      commonName,
      keyAlgorithm: kind,
      validityDays,
      keyUsages: ['digitalSignature', 'keyCertSign', 'cRLSign'],
    },
    now,
  );
}

/** A leaf outside the certificate table (a person's kubeconfig, tests): `usages` are the extended key usages. */
export function createLeaf(
  req: Omit<SubjectRequest, 'keyUsages' | 'extendedKeyUsages'> & {
    usages: ExtendedKeyUsage[];
    validityDays: number;
  },
  ca: SigningCa,
  kind: PkiKeyAlgorithm,
  now: Date,
) {
  const { usages, ...rest } = req;
  const keyUsages: KeyUsage[] =
    kind === 'rsa' ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'];
  return issueLeaf({ ...rest, keyAlgorithm: kind, keyUsages, extendedKeyUsages: usages }, ca, now);
}

/** The DNS names and addresses a certificate signing request (PEM) asks for. */
export function requestedSubjectAltNames(csrPem: string): string[] {
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  const san = csr.extensions.find(
    (e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension,
  );
  return (san?.names.toJSON() ?? []).map((n) => n.value);
}
