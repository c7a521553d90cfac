// What activities report about a certificate (never a key), and the checks that decide whether
// an existing certificate can be kept or must be reissued.
// ./x509 first: it loads the Reflect polyfill @peculiar/x509 needs.
import {
  DAY_MS,
  distinguishedName,
  EKU_OIDS,
  keyAlgorithmOf,
  keyMatches,
  keyUsageFlags,
  type LeafRequest,
} from './x509';
import * as x509 from '@peculiar/x509';

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

const sameSet = (a: readonly string[], b: readonly string[]) => {
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.length === sb.length && sa.every((v, i) => v === sb[i]);
};

export function insideRenewBefore(cert: x509.X509Certificate, renewBeforeDays: number, now: Date): boolean {
  return cert.notAfter.getTime() - now.getTime() < renewBeforeDays * DAY_MS;
}

/** Why an existing certificate must be reissued, or undefined when it can be kept. */
export async function reasonToReissue(
  cert: x509.X509Certificate,
  keyPem: string | undefined,
  want: LeafRequest & { renewBeforeDays: number },
  ca: x509.X509Certificate,
  now: Date,
): Promise<string | undefined> {
  if (!keyPem) return 'its key is missing';
  if (cert.issuer !== ca.subject || !(await cert.verify({ publicKey: ca, signatureOnly: true })))
    return 'not signed by the current CA';
  if (now.getTime() < cert.notBefore.getTime()) return `not valid before ${cert.notBefore.toISOString()}`;
  if (insideRenewBefore(cert, want.renewBeforeDays, now))
    return `expires ${cert.notAfter.toISOString()} (inside renewBefore: ${want.renewBeforeDays} days)`;
  const facts = await certFacts(cert, now);
  if (!sameSet(facts.dnsNames, want.dnsNames) || !sameSet(facts.ipAddresses, want.ipAddresses))
    return 'its SANs differ from the profile';
  if (facts.subject !== distinguishedName(want.commonName, want.organizations))
    return `subject ${facts.subject} differs from the profile`;
  if (keyAlgorithmOf(cert) !== want.keyAlgorithm) return `its key is not ${want.keyAlgorithm}`;
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  if (!ku || ku.usages !== keyUsageFlags(want.keyUsages)) return 'its key usages differ';
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const wantEku = want.extendedKeyUsages.map((u) => EKU_OIDS[u]);
  if (!sameSet((eku?.usages ?? []).map(String), wantEku)) return 'its extended key usages differ';
  // The key on disk must belong to the certificate (a half-written pair is replaced).
  if (!(await keyMatches(keyPem, cert.publicKey))) return 'its key does not match the certificate';
  return undefined;
}
