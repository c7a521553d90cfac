// Certificate rotation on one host, as idempotent ensures: keep the current certificates and keys
// aside (`<path>.before-rotate-<stamp>`, once), issue new ones from the same CAs (skipped for a
// profile already renewed by this rotation), put the kept ones back when a gate fails, and read
// the certificates the host's servers present on the wire. Results carry serials, never keys.
import { ApplicationFailure } from '@temporalio/common';
import { pkiInputFromCluster } from '../../cluster/pki/input';
import { caProfile, findProfile, type KubeconfigProfile, type LeafProfile } from '../../cluster/pki/profiles';
import { parseServedSerial } from '../../cluster/pki/rotation';
import { ErrorTypes } from '../../cluster/errors';
import { pki as paths } from '../../cluster/layout';
import { hostByName } from '../../cluster/topology';
import type { Cluster } from '../../cluster/spec';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { readText, type Host } from '../ssh';
import { shq } from '../ssh/shell';
import { loadCa, type LoadedCa } from './ca-store';
import { reasonToReissue } from './certificate-check';
import { ensureCertificate, ensureKubeconfig } from './ensure-leaf';
import { parseCertificate } from './x509';

export interface RotationInput extends HostInput {
  /** Profile names on this host (`certs/apiserver/master-1`, `kubeconfig/admin/master-1`). */
  profiles: string[];
  stamp: string;
}

export interface RenewedCert {
  profile: string;
  path: string;
  serial: string;
  notAfter: string;
  /** False when this rotation had already renewed it (a retry after a crash). */
  renewed: boolean;
}

export interface ServedCert {
  port: number;
  serial?: string;
  error?: string;
}

type Rotatable = LeafProfile | KubeconfigProfile;

export const asidePath = (path: string, stamp: string) => `${path}.before-rotate-${stamp}`;

/** The files a profile lives in: certificate and key, or the kubeconfig that embeds both. */
const filesOf = (p: Rotatable): string[] => (p.kind === 'leaf' ? [p.certPath, p.keyPath] : [p.path]);

function rotatable(cluster: Cluster, name: string): Rotatable {
  const p = findProfile(pkiInputFromCluster(cluster), name);
  if (!p || (p.kind !== 'leaf' && p.kind !== 'kubeconfig'))
    throw ApplicationFailure.create({
      type: ErrorTypes.ConfigInvalid,
      message: `${name} is not a leaf certificate or kubeconfig of the certificate table`,
      nonRetryable: true,
    });
  return p;
}

export function createRotationActivities(deps: { hosts: HostProvider; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const signers = async (cluster: Cluster) => {
    const input = pkiInputFromCluster(cluster);
    const cache = new Map<string, LoadedCa>();
    return async (p: Rotatable): Promise<LoadedCa> => {
      const ca = caProfile(input, p.signer);
      let loaded = cache.get(ca.name);
      if (!loaded) {
        const source = deps.hosts.hostFor(cluster, hostByName(cluster, ca.sourceHost));
        loaded = await loadCa(source, ca);
        cache.set(ca.name, loaded);
      }
      return loaded;
    };
  };

  /** True when this rotation already replaced the profile's files (they differ from the kept copy and are whole). */
  async function alreadyRenewed(host: Host, p: Rotatable, stamp: string, ca: LoadedCa): Promise<boolean> {
    const current = p.kind === 'leaf' ? p.certPath : p.path;
    const kept = await readText(host, asidePath(current, stamp));
    const present = await readText(host, current);
    if (!kept || !present || kept === present) return false;
    if (p.kind === 'kubeconfig') return true;
    const key = await readText(host, p.keyPath);
    const why = await reasonToReissue(
      parseCertificate(present),
      key,
      { ...p, renewBeforeDays: 0 },
      ca.cert,
      now(),
    );
    return why === undefined;
  }

  return {
    /** Copies every file of the profiles to `<path>.before-rotate-<stamp>`, once (a retry keeps the first copy). */
    async keepCertificatesAside(input: RotationInput): Promise<{ kept: string[] }> {
      const { host } = resolveHost(deps.hosts, input);
      const kept: string[] = [];
      for (const name of input.profiles)
        for (const f of filesOf(rotatable(input.cluster, name))) {
          const to = asidePath(f, input.stamp);
          await host.run(`test -e ${shq(to)} || cp -p ${shq(f)} ${shq(to)}`);
          kept.push(to);
        }
      return { kept };
    },

    /** New certificates from the same CAs for the profiles (keys new too), written key first. */
    async renewCertificates(input: RotationInput): Promise<RenewedCert[]> {
      const { host } = resolveHost(deps.hosts, input);
      const signerFor = await signers(input.cluster);
      const out: RenewedCert[] = [];
      for (const name of input.profiles) {
        const p = rotatable(input.cluster, name);
        const ca = await signerFor(p);
        const done = await alreadyRenewed(host, p, input.stamp, ca);
        const issued =
          p.kind === 'leaf'
            ? await ensureCertificate(host, p, ca, now(), !done)
            : await ensureKubeconfig(host, p, ca, now(), !done);
        out.push({
          profile: name,
          path: issued.path,
          serial: issued.serial,
          notAfter: issued.notAfter,
          renewed: !done,
        });
      }
      return out;
    },

    /** Puts the kept files back (a failed gate); a profile never kept aside is left as it is. */
    async restoreCertificates(input: RotationInput): Promise<{ restored: string[] }> {
      const { host } = resolveHost(deps.hosts, input);
      const restored: string[] = [];
      for (const name of input.profiles)
        for (const f of filesOf(rotatable(input.cluster, name))) {
          const from = asidePath(f, input.stamp);
          const r = await host.exec(`test -e ${shq(from)} && cp -p ${shq(from)} ${shq(f)}`);
          if (r.exitCode === 0) restored.push(f);
        }
      return { restored };
    },

    /** The serial of the certificate each port on this host presents (etcd client and peer ports with a client certificate). */
    async servedCertificates(input: HostInput & { ports: number[] }): Promise<ServedCert[]> {
      const { spec, host } = resolveHost(deps.hosts, input);
      const out: ServedCert[] = [];
      for (const port of input.ports) {
        // etcd asks for a client certificate on both its ports; the apiserver accepts one too.
        const client =
          port === 2379 || port === 2380
            ? `--cert ${paths.etcdHealthcheckClient.cert} --key ${paths.etcdHealthcheckClient.key}`
            : '';
        const r = await host.exec(
          `curl -k -s -o /dev/null --max-time 5 ${client} -w '%{certs}' https://${spec.address}:${port}/`,
        );
        const serial = parseServedSerial(r.stdout);
        out.push(serial ? { port, serial } : { port, error: r.stderr.trim() || `exit ${r.exitCode}` });
      }
      return out;
    },
  };
}
