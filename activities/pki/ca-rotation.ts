// CA rotation on hosts, as idempotent ensures: stage a new CA on the source host next to the old
// one (the old kept as `*.before-ca-rotation-<stamp>`), and set what a host's CA file trusts
// (both CAs, the signer first, or only the new one); on the source host the key follows the
// first certificate, so the signer changes with it. Results carry fingerprints, never keys.
import { caRotationPaths, rotatedCa, type TrustStage } from '../../cluster/pki/ca-rotation';
import type { CaName } from '../../cluster/pki/types';
import { hostByName } from '../../cluster/topology';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { readText, type Host } from '../ssh';
import { shq } from '../ssh/shell';
import { configInvalid } from './ca-store';
import { CERT_MODE, KEY_MODE, ROOT, writeKeyThenCert } from './ensure-ca';
import { issueCa, parseCertificate, privateKeyPem } from './x509';
import type { Cluster } from '../../cluster/spec';

export interface CaRotationInput {
  cluster: Cluster;
  ca: CaName;
  stamp: string;
}

export interface StagedCa {
  oldFingerprint: string;
  newFingerprint: string;
  newNotAfter: string;
}

const fingerprint = async (pem: string) =>
  Buffer.from(await parseCertificate(pem).getThumbprint('SHA-256')).toString('hex');

export function createCaRotationActivities(deps: { hosts: HostProvider; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const source = (input: CaRotationInput): Host => {
    const profile = rotatedCa(input.cluster, input.ca);
    return deps.hosts.hostFor(input.cluster, hostByName(input.cluster, profile.sourceHost));
  };
  async function read(host: Host, path: string): Promise<string> {
    const text = await readText(host, path);
    if (!text) throw configInvalid(`${host.name}: ${path} is missing (was the rotation's CA staged?)`);
    return text;
  }

  return {
    /** On the source host: the current CA kept aside (once), a new CA made (once). */
    async stageNewCa(input: CaRotationInput): Promise<StagedCa> {
      const profile = rotatedCa(input.cluster, input.ca);
      const paths = caRotationPaths(profile, input.stamp);
      const host = source(input);
      // Only copies of the CA as it was before this rotation started (a retry keeps the first).
      await host.run(
        `test -e ${shq(paths.oldCert)} || cp -p ${shq(profile.certPath)} ${shq(paths.oldCert)}; ` +
          `test -e ${shq(paths.oldKey)} || cp -p ${shq(profile.keyPath)} ${shq(paths.oldKey)}`,
      );
      if (!(await readText(host, paths.newCert))) {
        const { cert, keys } = await issueCa(profile, now());
        await writeKeyThenCert(
          host,
          { keyPath: paths.newKey, certPath: paths.newCert },
          await privateKeyPem(keys.privateKey),
          cert.toString('pem'),
        );
      }
      const newPem = await read(host, paths.newCert);
      return {
        oldFingerprint: await fingerprint(await read(host, paths.oldCert)),
        newFingerprint: await fingerprint(newPem),
        newNotAfter: parseCertificate(newPem).notAfter.toISOString(),
      };
    },

    /** What `host`'s CA file trusts at `stage`; on the source host the CA key follows the first certificate. */
    async trustCaStage(
      input: CaRotationInput & HostInput & { stage: TrustStage },
    ): Promise<{ host: string; trusted: string[]; changed: boolean }> {
      const profile = rotatedCa(input.cluster, input.ca);
      const paths = caRotationPaths(profile, input.stamp);
      const src = source(input);
      const { host } = resolveHost(deps.hosts, input);
      const oldPem = (await read(src, paths.oldCert)).trim();
      const newPem = (await read(src, paths.newCert)).trim();
      const certs =
        input.stage === 'old-first'
          ? [oldPem, newPem]
          : input.stage === 'new-first'
            ? [newPem, oldPem]
            : [newPem];
      let changed = false;
      if (host.name === src.name && input.stage !== 'old-first') {
        // The signer changes: the new key, written before the file naming the new CA first.
        const key = await read(src, paths.newKey);
        changed = (await host.ensureFile(profile.keyPath, Buffer.from(key), { mode: KEY_MODE, owner: ROOT }))
          .changed;
      }
      const file = await host.ensureFile(profile.certPath, Buffer.from(`${certs.join('\n')}\n`), {
        mode: CERT_MODE,
        owner: ROOT,
      });
      return {
        host: input.host,
        trusted: await Promise.all(certs.map(fingerprint)),
        changed: changed || file.changed,
      };
    },
  };
}
