// `hakube certs check`: what a host should have (the certificate table) against what it has,
// one row per certificate with a status a person can act on. Pure: activities gather the facts.
import type { PkiProfile } from './types';

export type CertStatus =
  | 'ok'
  | 'renew-soon'
  | 'expired'
  | 'missing'
  | 'wrong-sans'
  | 'unknown-ca'
  | 'self-signed'
  | 'unreadable'
  | 'unreachable';

export const KUBELET_SERVING_CERT = '/var/lib/kubelet/pki/kubelet.crt';

/** Statuses that need a person (exit code 1, a failed scheduled check). */
export const NEEDS_ATTENTION: readonly CertStatus[] = [
  'renew-soon',
  'expired',
  'missing',
  'wrong-sans',
  'unknown-ca',
  'unreadable',
  'unreachable',
];

/** A certificate found on a host (never its key). */
export interface FoundCert {
  path: string;
  kind: 'certificate' | 'kubeconfig';
  subject: string;
  issuer: string;
  serial: string;
  notAfter: string;
  daysLeft: number;
  dnsNames: string[];
  ipAddresses: string[];
  /** Subject = issuer. */
  selfSigned: boolean;
  /** Which of the cluster's CAs signed it (its signature verifies), if any. */
  signedBy?: string;
}

export interface CertReportRow {
  host: string;
  path: string;
  /** The certificate table's name for it (`certs/apiserver/master-1`); absent for ones found elsewhere. */
  profile?: string;
  subject?: string;
  issuer?: string;
  sans: string[];
  serial?: string;
  notAfter?: string;
  daysLeft?: number;
  status: CertStatus;
  detail?: string;
}

function expectedPath(p: PkiProfile): string | undefined {
  switch (p.kind) {
    case 'ca':
    case 'leaf':
      return p.certPath;
    case 'kubeconfig':
      return p.path;
    default:
      return undefined; // the service-account key pair has no certificate
  }
}

/** Names a leaf must carry that it does not. */
function missingSans(p: PkiProfile, c: FoundCert): string[] {
  if (p.kind !== 'leaf') return [];
  return [
    ...p.dnsNames.filter((n) => !c.dnsNames.includes(n)),
    ...p.ipAddresses.filter((n) => !c.ipAddresses.includes(n)),
  ];
}

function statusOf(
  c: FoundCert,
  profile: PkiProfile | undefined,
  renewBeforeDays: number,
): { status: CertStatus; detail?: string } {
  if (c.daysLeft < 0) return { status: 'expired', detail: `expired ${-c.daysLeft} days ago` };
  const absent = profile ? missingSans(profile, c) : [];
  if (absent.length) return { status: 'wrong-sans', detail: `missing ${absent.join(', ')}` };
  if (profile?.kind !== 'ca' && !c.signedBy) {
    // The kubelet makes its own serving certificate (and a CA for it) unless serverTLSBootstrap is on.
    if (c.path === KUBELET_SERVING_CERT)
      return {
        status: 'self-signed',
        detail: "the kubelet's own serving certificate, not from the cluster CA",
      };
    if (c.selfSigned) return { status: 'self-signed', detail: 'issued by itself, not by a cluster CA' };
    return { status: 'unknown-ca', detail: `issuer ${c.issuer} is none of the cluster's CAs` };
  }
  if (c.daysLeft < renewBeforeDays) return { status: 'renew-soon', detail: `${c.daysLeft} days left` };
  return { status: 'ok' };
}

export function certReport(input: {
  host: string;
  expected: PkiProfile[];
  found: FoundCert[];
  unreadable: string[];
  renewBeforeDays: number;
}): CertReportRow[] {
  const byPath = new Map(input.found.map((c) => [c.path, c]));
  const profileAt = new Map(
    input.expected.flatMap((p) => {
      const path = expectedPath(p);
      return path ? [[path, p] as const] : [];
    }),
  );
  const rows: CertReportRow[] = [];
  for (const [path, profile] of profileAt)
    if (!byPath.has(path) && !input.unreadable.includes(path))
      rows.push({ host: input.host, path, profile: profile.name, sans: [], status: 'missing' });
  for (const c of input.found) {
    const profile = profileAt.get(c.path);
    rows.push({
      host: input.host,
      path: c.path,
      ...(profile ? { profile: profile.name } : {}),
      subject: c.subject,
      issuer: c.issuer,
      sans: [...c.dnsNames, ...c.ipAddresses],
      serial: c.serial,
      notAfter: c.notAfter,
      daysLeft: c.daysLeft,
      ...statusOf(c, profile, input.renewBeforeDays),
    });
  }
  for (const path of input.unreadable)
    rows.push({ host: input.host, path, sans: [], status: 'unreadable', detail: 'not a certificate' });
  return rows.sort((a, b) => a.path.localeCompare(b.path));
}

export function needsAttention(rows: CertReportRow[]): CertReportRow[] {
  return rows.filter((r) => NEEDS_ATTENTION.includes(r.status));
}
