// AWS Signature Version 4 for S3 requests (header-based, one chunk): what an S3-compatible
// store (AWS, MinIO, Ceph RGW) checks on every request. Pure: the caller sends the request.
import { createHash, createHmac } from 'node:crypto';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignInput {
  method: string;
  /** Host header value (host[:port]). */
  host: string;
  /** Path as sent, not yet encoded: `/bucket/key`. */
  path: string;
  query?: Record<string, string>;
  /** Extra headers to sign (lower-case names), e.g. range, content-type, x-amz-meta-*. */
  headers?: Record<string, string>;
  /** Hex sha256 of the body, or UNSIGNED-PAYLOAD. */
  payloadSha256: string;
  region: string;
  service?: string;
  now: Date;
}

export const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/** RFC 3986 unreserved characters stay; everything else is %XX (S3 keeps '/' in paths). */
export function uriEncode(value: string, keepSlash = false): string {
  return [...Buffer.from(value, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) return c;
      return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

function amzDate(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha256Hex = (data: string) => createHash('sha256').update(data).digest('hex');

export interface SignedRequest {
  /** Every header to send, Authorization included. */
  headers: Record<string, string>;
  /** Encoded path and query, ready for the request line. */
  pathAndQuery: string;
  /** For tests and debugging: what was signed. */
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

export function signS3Request(input: SignInput, creds: S3Credentials): SignedRequest {
  const date = amzDate(input.now);
  const day = date.slice(0, 8);
  const scope = `${day}/${input.region}/${input.service ?? 's3'}/aws4_request`;
  const headers: Record<string, string> = {
    host: input.host,
    'x-amz-content-sha256': input.payloadSha256,
    'x-amz-date': date,
    ...(creds.sessionToken ? { 'x-amz-security-token': creds.sessionToken } : {}),
  };
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n].trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const query = Object.entries(input.query ?? {})
    .map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const path = uriEncode(input.path, true);
  const canonicalRequest = [
    input.method,
    path,
    query,
    canonicalHeaders,
    signedHeaders,
    input.payloadSha256,
  ].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, day), input.region), input.service ?? 's3'),
    'aws4_request',
  );
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return {
    headers: {
      ...headers,
      authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    },
    pathAndQuery: query ? `${path}?${query}` : path,
    canonicalRequest,
    stringToSign,
    signature,
  };
}

/** `~/.aws/credentials` format: the `[default]` profile (or the first one) of an INI file. */
export function parseCredentialsFile(text: string, profile = 'default'): S3Credentials | undefined {
  const sections = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = {};
      sections.set(section[1].trim(), current);
      continue;
    }
    const kv = /^([^=]+)=(.*)$/.exec(line);
    if (kv && current) current[kv[1].trim().toLowerCase()] = kv[2].trim();
  }
  const p = sections.get(profile) ?? [...sections.values()][0];
  if (!p?.aws_access_key_id || !p.aws_secret_access_key) return undefined;
  return {
    accessKeyId: p.aws_access_key_id,
    secretAccessKey: p.aws_secret_access_key,
    ...(p.aws_session_token ? { sessionToken: p.aws_session_token } : {}),
  };
}

/** The keys of a ListObjectsV2 page, and the token of the next page when truncated. */
export function parseListObjects(xml: string): { keys: string[]; next?: string } {
  const decode = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  const keys = [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => decode(m[1]));
  const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
  const next = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1];
  return truncated && next ? { keys, next: decode(next) } : { keys };
}
