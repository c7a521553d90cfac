// The CA material on the first control-plane host (the source of truth): read into this
// worker's memory when a certificate is issued, never returned from an activity.
import { ApplicationFailure } from '@temporalio/common';
import type * as x509 from '@peculiar/x509';
import { ErrorTypes } from '../../cluster/errors';
import { pki } from '../../cluster/layout';
import { CAS, type CaName } from '../../cluster/pki/profiles';
import type { Host } from '../ssh';
import { importPrivateKey, parseCertificate, type CryptoKey } from './x509';

export interface LoadedCa {
  name: CaName;
  cert: x509.X509Certificate;
  certPem: string;
  key: CryptoKey;
  keyPem: string;
}

export interface Authorities {
  cas: Record<CaName, LoadedCa>;
  serviceAccount: { keyPem: string; pubPem: string };
}

function missing(what: string, host: Host): never {
  throw ApplicationFailure.create({
    type: ErrorTypes.ConfigInvalid,
    message: `${what} is missing on ${host.name}, the first control-plane host; run the certs phase (ensureAuthorities) first`,
    nonRetryable: true,
  });
}

export async function loadAuthorities(primary: Host): Promise<Authorities> {
  const cas = {} as Record<CaName, LoadedCa>;
  for (const ca of Object.values(CAS)) {
    const certPem = (await primary.readFile(ca.certPath))?.toString('utf8') ?? missing(ca.certPath, primary);
    const keyPem = (await primary.readFile(ca.keyPath))?.toString('utf8') ?? missing(ca.keyPath, primary);
    const cert = parseCertificate(certPem);
    cas[ca.name] = { name: ca.name, cert, certPem, key: await importPrivateKey(keyPem, cert), keyPem };
  }
  const keyPem =
    (await primary.readFile(pki.serviceAccount.key))?.toString('utf8') ??
    missing(pki.serviceAccount.key, primary);
  const pubPem =
    (await primary.readFile(pki.serviceAccount.pub))?.toString('utf8') ??
    missing(pki.serviceAccount.pub, primary);
  return { cas, serviceAccount: { keyPem, pubPem } };
}
