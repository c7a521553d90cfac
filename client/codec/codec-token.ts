// The codec server's bearer token. Whoever may call the codec server can decrypt every payload,
// so it answers only requests that carry this token: in an `Authorization: Bearer` header (the
// `temporal` CLI's --codec-auth, scripts) or as the first segment of the endpoint's path
// (`http://127.0.0.1:8888/<token>`), because the Web UI cannot add a header of its own to its
// codec calls.
//
// Made once, 256 random bits, in $HAKUBE_HOME/codec-token (0600) or HAKUBE_CODEC_TOKEN_FILE.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hakubeHome } from '../paths';
import { createSecretFileOnce } from '../secret-file';

export const ENV_CODEC_TOKEN_FILE = 'HAKUBE_CODEC_TOKEN_FILE';
/** base64url, at least 128 bits: what a path segment and a header carry without escaping. */
const TOKEN = /^[A-Za-z0-9_-]{22,128}$/;

export class CodecTokenError extends Error {
  override name = 'CodecTokenError';
}

export function codecTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  return env[ENV_CODEC_TOKEN_FILE] || join(hakubeHome(env), 'codec-token');
}

/** Reads the token from `file`, making it first when it does not exist and `create` is set. */
export function readCodecToken(file: string, create: boolean): string {
  if (create) createSecretFileOnce(file, `${randomBytes(32).toString('base64url')}\n`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CodecTokenError(`${file}: ${(err as Error).message}`);
  }
  const token = text.trim();
  if (!TOKEN.test(token))
    throw new CodecTokenError(
      `${file}: is not a codec token (22 to 128 characters of A-Z a-z 0-9 _ -, one line)`,
    );
  return token;
}

/** Compares in constant time (over digests, so the lengths do not leak either). */
export function tokenMatches(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The endpoint the Web UI is given: the token as the first path segment. */
export function endpointWithToken(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/${token}`;
}

/** An endpoint URL with its token segment masked, for anything printed or logged. */
export function maskedEndpoint(endpoint: string): string {
  return endpoint.replace(/^(https?:\/\/[^/]+\/)[A-Za-z0-9_-]{22,128}(?=\/|$)/, '$1<token>');
}
