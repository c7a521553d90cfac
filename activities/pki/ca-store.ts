// The CA material on the first control-plane host (the source of truth): read into this
// worker's memory to sign or to copy, never returned from an activity, never logged.
import { ApplicationFailure } from '@temporalio/common';
import type * as x509 from '@peculiar/x509';
import { ErrorTypes } from '../../cluster/errors';
import type { CaProfile } from '../../cluster/pki/profiles';
import { readText, type Host } from '../ssh';
import { importPrivateKey, keyAlgorithmOf, parseCertificate, type CryptoKey } from './x509';

export interface LoadedCa {
  profile: CaProfile;
  cert: x509.X509Certificate;
  certPem: string;
  key: CryptoKey;
  keyPem: string;
}

export function configInvalid(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ErrorTypes.ConfigInvalid, message, nonRetryable: true });
}

/** Loads a CA (certificate and key) from its source host; fails clearly when it is not there yet. */
export async function loadCa(source: Host, profile: CaProfile): Promise<LoadedCa> {
  const certPem = await readText(source, profile.certPath);
  const keyPem = await readText(source, profile.keyPath);
  if (!certPem || !keyPem) {
    throw configInvalid(
      `${profile.name}: ${certPem ? profile.keyPath : profile.certPath} is missing on ${source.name}, ` +
        'the first control-plane host; ensure the CA there first',
    );
  }
  const cert = parseCertificate(certPem);
  const key = await importPrivateKey(keyPem, keyAlgorithmOf(cert));
  return { profile, cert, certPem, key, keyPem };
}
