// Scanning workflow histories for secrets. `temporal workflow show -o json` prints payloads as
// base64 (json/plain bytes), so matching the raw JSON would miss a key inside an activity's
// input or result: every payload is decoded first, and base64 runs inside decoded text once more.
import { createPrivateKey } from 'node:crypto';

export interface SecretPattern {
  name: string;
  pattern: RegExp;
}

/** What must never appear, whatever the run (the actual keys and tokens of a run come on top). */
export const SECRET_PATTERNS: SecretPattern[] = [
  { name: 'private key (PEM)', pattern: /PRIVATE KEY/ },
  { name: 'bootstrap token format', pattern: /(?<![A-Za-z0-9])[a-z0-9]{6}\.[a-z0-9]{16}(?![A-Za-z0-9])/ },
  { name: 'kubeconfig client-key-data', pattern: /client-key-data/ },
  { name: 'kubeconfig client-certificate-data', pattern: /client-certificate-data/ },
  { name: 'kubeconfig document', pattern: /apiVersion: v1(\n|\\n)kind: Config/ },
];

/** Secrets read from the hosts during a run: the strings themselves must not appear. */
export interface KnownSecret {
  what: string;
  value: string;
  /** The same secret as raw bytes, looked for in every decoded payload (binary payloads included). */
  bytes?: Buffer;
}

export interface Finding {
  history: string;
  what: string;
}

export interface ScanResult {
  histories: number;
  events: number;
  /** Payloads decoded and searched. */
  payloads: number;
  /** Payloads with an encoding this scan cannot read (encrypted, protobuf): listed, not searched. */
  opaquePayloads: number;
  findings: Finding[];
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64_RUN = /[A-Za-z0-9+/]{40,}={0,2}/g;

function decoded(s: string): string | undefined {
  if (s.length < 8 || s.length % 4 !== 0 || !BASE64.test(s)) return undefined;
  return Buffer.from(s, 'base64').toString('utf8');
}

interface Payload {
  metadata?: Record<string, string>;
  data?: string;
}

function isPayload(v: object): v is Payload {
  return 'metadata' in v && typeof (v as Payload).metadata === 'object';
}

/** Every string of the history, payloads decoded; `opaque` counts payloads left unread. */
function texts(history: unknown): { texts: string[]; raw: Buffer[]; payloads: number; opaque: number } {
  const out: string[] = [];
  const raw: Buffer[] = [];
  let payloads = 0;
  let opaque = 0;
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      out.push(v);
      return;
    }
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    if (isPayload(v)) {
      const encoding = decoded(v.metadata?.encoding ?? '') ?? '';
      payloads++;
      if (v.data !== undefined && !encoding.startsWith('json/') && encoding !== 'binary/null') opaque++;
      if (v.data !== undefined) {
        out.push(decoded(v.data) ?? v.data);
        raw.push(Buffer.from(v.data, 'base64'));
      }
    }
    for (const child of Object.values(v)) walk(child);
  };
  walk(history);
  // base64 inside decoded text (a key's DER, a kubeconfig's embedded data) is read once more.
  const nested = out.flatMap((t) => [...t.matchAll(BASE64_RUN)].map((m) => decoded(m[0]) ?? ''));
  return { texts: [...out, ...nested.filter(Boolean)], raw, payloads, opaque };
}

/** Searches one history (the proto JSON `temporal workflow show -o json` prints). */
export function scanHistory(name: string, json: string, known: KnownSecret[]): ScanResult {
  const history = JSON.parse(json) as { events?: unknown[] };
  const { texts: all, raw, payloads, opaque } = texts(history);
  const findings: Finding[] = [];
  for (const p of SECRET_PATTERNS)
    if (all.some((t) => p.pattern.test(t))) findings.push({ history: name, what: p.name });
  for (const k of known) {
    const inText = k.value.length >= 8 && all.some((t) => t.includes(k.value));
    const inBytes = k.bytes !== undefined && raw.some((b) => b.includes(k.bytes as Buffer));
    if ((inText || inBytes) && !findings.some((f) => f.what === k.what))
      findings.push({ history: name, what: k.what });
  }
  return { histories: 1, events: history.events?.length ?? 0, payloads, opaquePayloads: opaque, findings };
}

export function addScans(a: ScanResult, b: ScanResult): ScanResult {
  return {
    histories: a.histories + b.histories,
    events: a.events + b.events,
    payloads: a.payloads + b.payloads,
    opaquePayloads: a.opaquePayloads + b.opaquePayloads,
    findings: [...a.findings, ...b.findings],
  };
}

export const NO_SCAN: ScanResult = { histories: 0, events: 0, payloads: 0, opaquePayloads: 0, findings: [] };

/**
 * What to look for of a PEM private key: each full line of its base64 body, and its private
 * scalar / exponent (`d`) as bytes, base64, base64url and hex (a key leaked re-encoded is still
 * that key). OpenSSH-format keys (the lab's SSH key) give their body lines only.
 */
export function keySecrets(what: string, pem: string): KnownSecret[] {
  const lines = pem
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 32 && !l.startsWith('-----'))
    .map((value) => ({ what, value }));
  let d: Buffer | undefined;
  try {
    const jwk = createPrivateKey(pem).export({ format: 'jwk' });
    d = jwk.d ? Buffer.from(jwk.d, 'base64url') : undefined;
  } catch {
    d = undefined;
  }
  if (!d) return lines;
  const forms = [d.toString('base64url'), d.toString('base64').replace(/=+$/, ''), d.toString('hex')];
  return [...lines, ...forms.map((value) => ({ what, value, bytes: d }))];
}

/** What of SECRET_PATTERNS (and `known`) one history holds, payloads decoded: [] when clean. */
export function secretsInHistory(json: string, known: KnownSecret[] = []): string[] {
  return scanHistory('history', json, known).findings.map((f) => f.what);
}
