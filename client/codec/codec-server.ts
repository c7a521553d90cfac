// The codec server: POST /encode and POST /decode in Temporal's remote codec protocol, so the
// Web UI (and `temporal --codec-endpoint`) can show encrypted payloads in clear. Browsers may
// call it only from the allowed origins (CORS, preflight included); clients that send no Origin
// (the Temporal CLI, curl) are served. It has no authentication of its own: it listens on
// loopback unless told otherwise (docs/encryption.md).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import { PayloadDecryptionError } from './errors';
import { payloadsFromJson, payloadsToJson, PayloadJsonError } from './payload-json';

export type CodecLog = (level: 'info' | 'warn' | 'error', msg: string, meta: Record<string, unknown>) => void;

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Browser origins allowed to call it, e.g. the Web UI's http://localhost:8233. */
  allowOrigins: string[];
  log?: CodecLog;
  /** Largest request body accepted (default 16 MiB). */
  maxBodyBytes?: number;
}

const ROUTES = { '/encode': 'encode', '/decode': 'decode' } as const;
const ALLOWED_HEADERS = ['Content-Type', 'X-Namespace', 'Authorization'];
const DEFAULT_MAX_BODY = 16 * 1024 * 1024;

class BodyTooLargeError extends Error {}

function normalizeOrigin(origin: string): string {
  return origin.replace(/\/+$/, '');
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLargeError());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Sets the CORS answer for an allowed origin; returns false for an origin that is not allowed. */
function cors(req: IncomingMessage, res: ServerResponse, allowed: ReadonlySet<string>): boolean {
  res.setHeader('Vary', 'Origin');
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (!allowed.has(normalizeOrigin(origin))) return false;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  return true;
}

function preflight(req: IncomingMessage, res: ServerResponse): void {
  const requested = (req.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  const headers = [...new Set([...ALLOWED_HEADERS, ...requested])];
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': headers.join(', '),
    'Access-Control-Max-Age': '600',
  });
  res.end();
}

async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  opts: CodecServerOptions,
  allowed: ReadonlySet<string>,
) {
  const path = new URL(req.url ?? '/', 'http://codec-server').pathname;
  const op = Object.hasOwn(ROUTES, path) ? ROUTES[path as keyof typeof ROUTES] : undefined;
  const originAllowed = cors(req, res, allowed);
  if (!op) return sendJson(res, 404, { error: `no such endpoint ${path}: POST /encode or /decode` });
  if (!originAllowed)
    return sendJson(res, 403, {
      error: `origin ${req.headers.origin} is not allowed: start the codec server with --allow-origin ${req.headers.origin}`,
    });
  if (req.method === 'OPTIONS') return preflight(req, res);
  if (req.method !== 'POST')
    return sendJson(res, 405, { error: `${req.method} ${path}: use POST` }, { Allow: 'POST, OPTIONS' });
  let body: string;
  try {
    body = await readBody(req, opts.maxBodyBytes ?? DEFAULT_MAX_BODY);
  } catch (err) {
    if (err instanceof BodyTooLargeError)
      return sendJson(res, 413, { error: `body larger than ${opts.maxBodyBytes ?? DEFAULT_MAX_BODY} bytes` });
    throw err;
  }
  try {
    const payloads = payloadsFromJson(body);
    const out = op === 'encode' ? await opts.codec.encode(payloads) : await opts.codec.decode(payloads);
    return sendJson(res, 200, payloadsToJson(out));
  } catch (err) {
    if (err instanceof PayloadJsonError) return sendJson(res, 400, { error: err.message, type: err.name });
    if (err instanceof PayloadDecryptionError)
      return sendJson(res, 422, { error: err.message, type: err.name });
    throw err;
  }
}

export function createCodecServer(opts: CodecServerOptions): Server {
  const allowed = new Set(opts.allowOrigins.map(normalizeOrigin));
  const log = opts.log ?? (() => {});
  return createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () =>
      log(res.statusCode >= 500 ? 'error' : 'info', 'codec request', {
        method: req.method,
        path: req.url,
        status: res.statusCode,
        namespace: req.headers['x-namespace'],
        origin: req.headers.origin,
        ms: Date.now() - started,
      }),
    );
    respond(req, res, opts, allowed).catch((err: unknown) => {
      log('error', 'codec request failed', { error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
}

/** Listens on ip:port (0 picks a free port) and returns the base URL clients use as the codec endpoint. */
export function listenCodecServer(server: Server, port: number, ip: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${host}:${address.port}`);
    });
  });
}

export function isLoopback(ip: string): boolean {
  return ip === 'localhost' || ip === '::1' || /^127\./.test(ip);
}
