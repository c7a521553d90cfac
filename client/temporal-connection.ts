// Where and how hakube reaches Temporal — the CLI, the client and the worker alike — from the
// environment variables the Temporal CLI reads, so one environment serves both: TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE, TEMPORAL_TLS, TEMPORAL_TLS_SERVER_CA_CERT_{PATH,DATA},
// TEMPORAL_TLS_CLIENT_CERT_{PATH,DATA}, TEMPORAL_TLS_CLIENT_KEY_{PATH,DATA},
// TEMPORAL_TLS_SERVER_NAME and TEMPORAL_API_KEY. TLS turns on with any TLS setting or an API key
// (as in the Temporal CLI) unless TEMPORAL_TLS=false says otherwise.
import { readFileSync } from 'node:fs';

export interface TemporalTls {
  /** PEM of the CA the server's certificate must chain to (the system's roots otherwise). */
  serverRootCACertificate?: Buffer;
  /** mTLS: this client's certificate and key (PEM). */
  clientCertPair?: { crt: Buffer; key: Buffer };
  /** The name the server's certificate must carry, when it is not the address's host. */
  serverNameOverride?: string;
}

/** What Connection.connect (client) and NativeConnection.connect (worker) take. */
export interface TemporalConnection {
  address: string;
  /** false: plaintext; true: TLS with the system's roots; or the settings. */
  tls: TemporalTls | boolean;
  apiKey?: string;
}

export class TemporalConnectionConfigError extends Error {
  override name = 'TemporalConnectionConfigError';
}

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';

const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
const falsy = (v: string | undefined) => v !== undefined && /^(0|false|no|off)$/i.test(v.trim());

/** A PEM given inline (…_DATA) or as a file (…_PATH), never both. */
function pem(env: NodeJS.ProcessEnv, name: string): Buffer | undefined {
  const data = env[`${name}_DATA`];
  const path = env[`${name}_PATH`];
  if (data && path) throw new TemporalConnectionConfigError(`set ${name}_PATH or ${name}_DATA, not both`);
  let text: string;
  if (data) text = data;
  else if (path) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new TemporalConnectionConfigError(`${name}_PATH=${path}: ${(err as Error).message}`);
    }
  } else return undefined;
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(text))
    throw new TemporalConnectionConfigError(`${name}_${data ? 'DATA' : `PATH=${path}`}: not PEM`);
  return Buffer.from(text);
}

export function temporalConnectionFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  overrides: { address?: string } = {},
): TemporalConnection {
  const address = overrides.address ?? env.TEMPORAL_ADDRESS ?? DEFAULT_TEMPORAL_ADDRESS;
  if (truthy(env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION))
    throw new TemporalConnectionConfigError(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported: name the certificate with TEMPORAL_TLS_SERVER_NAME instead',
    );
  const ca = pem(env, 'TEMPORAL_TLS_SERVER_CA_CERT');
  const crt = pem(env, 'TEMPORAL_TLS_CLIENT_CERT');
  const key = pem(env, 'TEMPORAL_TLS_CLIENT_KEY');
  if (!!crt !== !!key)
    throw new TemporalConnectionConfigError(
      'mTLS needs both TEMPORAL_TLS_CLIENT_CERT_{PATH,DATA} and TEMPORAL_TLS_CLIENT_KEY_{PATH,DATA}',
    );
  const serverName = env.TEMPORAL_TLS_SERVER_NAME?.trim() || undefined;
  const apiKey = env.TEMPORAL_API_KEY?.trim() || undefined;
  const settings: TemporalTls = {
    ...(ca ? { serverRootCACertificate: ca } : {}),
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
    ...(serverName ? { serverNameOverride: serverName } : {}),
  };
  const anyTls = Object.keys(settings).length > 0;
  if (falsy(env.TEMPORAL_TLS)) {
    if (anyTls) throw new TemporalConnectionConfigError('TEMPORAL_TLS=false, yet TLS settings are given');
    return { address, tls: false, ...(apiKey ? { apiKey } : {}) };
  }
  const tls = anyTls ? settings : truthy(env.TEMPORAL_TLS) || apiKey !== undefined;
  return { address, tls, ...(apiKey ? { apiKey } : {}) };
}

/** For logs: how the connection is secured, never a key. */
export function describeConnection(c: TemporalConnection): Record<string, unknown> {
  const tls =
    c.tls === false
      ? 'off'
      : c.tls === true
        ? 'system roots'
        : {
            ca: c.tls.serverRootCACertificate ? 'given' : 'system roots',
            clientCertificate: c.tls.clientCertPair ? 'given (mTLS)' : 'none',
            ...(c.tls.serverNameOverride ? { serverName: c.tls.serverNameOverride } : {}),
          };
  return { address: c.address, tls, apiKey: c.apiKey ? 'given' : 'none' };
}
