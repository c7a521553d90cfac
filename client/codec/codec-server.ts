// The codec server: POST /encode and POST /decode in Temporal's remote codec protocol, so the
// Web UI (and `temporal --codec-endpoint`) can show encrypted payloads in clear. Browsers may
// call it only from the allowed origins (CORS, preflight included); clients that send no Origin
// (the Temporal CLI, curl) are served. Every call but a CORS preflight carries the bearer token
// (codec-token.ts), in the Authorization header or as the path's first segment
// (docs/encryption.md).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import { tokenMatches } from './codec-token';
import { PayloadDecryptionError } from './errors';
import { payloadsFromJson, payloadsToJson, PayloadJsonError } from './payload-json';

export type CodecLog = (level: 'info' | 'warn' | 'error', msg: string, meta: Record<string, unknown>) => void;

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** The bearer token every call must carry (header or first path segment). */
  token: string;
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

interface Target {
  /** The route without the token segment, e.g. /decode. */
  route: string;
  /** The first segment of a two-segment path: where the Web UI's endpoint carries the token. */
  pathToken?: string;
}

function targetOf(req: IncomingMessage): Target {
  const segments = new URL(req.url ?? '/', 'http://codec-server').pathname.split('/').filter((s) => s);
  if (segments.length === 2) return { route: `/${segments[1]}`, pathToken: segments[0] };
  return { route: `/${segments.join('/')}` };
}

/** How the call proved it holds the token, or undefined when it did not. */
function authenticatedBy(req: IncomingMessage, target: Target, token: string): 'path' | 'header' | undefined {
  if (target.pathToken !== undefined && tokenMatches(target.pathToken, token)) return 'path';
  const header = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (header && tokenMatches(header[1], token)) return 'header';
  return undefined;
}

async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  opts: CodecServerOptions,
  allowed: ReadonlySet<string>,
  target: Target,
) {
  const { route } = target;
  const op = Object.hasOwn(ROUTES, route) ? ROUTES[route as keyof typeof ROUTES] : undefined;
  const originAllowed = cors(req, res, allowed);
  const refuseOrigin = () =>
    sendJson(res, 403, {
      error: `origin ${req.headers.origin} is not allowed: start the codec server with --allow-origin ${req.headers.origin}`,
    });
  // A browser's preflight carries no credentials: it is answered on the origin alone.
  if (req.method === 'OPTIONS' && op) return originAllowed ? preflight(req, res) : refuseOrigin();
  if (!authenticatedBy(req, target, opts.token))
    return sendJson(
      res,
      401,
      {
        error:
          'the codec server needs its token: Authorization: Bearer <token>, or the endpoint <url>/<token>',
      },
      { 'WWW-Authenticate': 'Bearer realm="hakube codec server"' },
    );
  if (!op) return sendJson(res, 404, { error: `no such endpoint ${route}: POST /encode or /decode` });
  if (!originAllowed) return refuseOrigin();
  if (req.method !== 'POST')
    return sendJson(res, 405, { error: `${req.method} ${route}: use POST` }, { Allow: 'POST, OPTIONS' });
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
    const target = targetOf(req);
    res.on('finish', () =>
      log(res.statusCode >= 500 ? 'error' : 'info', 'codec request', {
        method: req.method,
        // Never the path as sent: its first segment may be the token.
        route: target.route,
        status: res.statusCode,
        namespace: req.headers['x-namespace'],
        origin: req.headers.origin,
        ms: Date.now() - started,
      }),
    );
    respond(req, res, opts, allowed, target).catch((err: unknown) => {
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
