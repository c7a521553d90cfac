// Binaries from the offline bundle, then the certificate table: CAs on the first control-plane
// host, then every host's certificates and kubeconfigs (hosts in parallel).
import { primaryControlPlane } from '../../cluster/topology';
import { bundleDirOf } from '../../cluster/bundle-dir';
import { acts, runStep } from '../shared/activities';
import type { Cluster } from '../../cluster/spec';
import type { OperationTracker } from '../shared/tracker';
import { onEachHost, type InstallContext } from './context';

/** Uploads the binaries `host`'s roles need (skipped when it has the same bytes). */
export function ensureBinariesOn(
  tracker: OperationTracker,
  cluster: Cluster,
  host: string,
): Promise<unknown> {
  return runStep(
    tracker,
    'artifacts',
    { key: `artifacts/binaries/${host}`, title: 'upload the binaries its roles need', host },
    acts.ensureBinaries,
    [{ cluster, host, bundleDir: bundleDirOf(cluster) }],
    { startToCloseTimeout: '1 hour' },
  );
}

export async function distributeBinaries(ctx: InstallContext): Promise<void> {
  await onEachHost(ctx.cluster.spec.hosts, (h) => ensureBinariesOn(ctx.tracker, ctx.cluster, h.name));
}

/** A host's certificates and kubeconfigs, issued from the CAs on the first control-plane host. */
export function ensureCertificatesOn(
  tracker: OperationTracker,
  cluster: Cluster,
  host: string,
  phase = 'certs',
): Promise<unknown> {
  return runStep(
    tracker,
    phase,
    { key: `${phase}/host/${host}`, title: 'certificates and kubeconfigs', host },
    acts.ensureHostCertificates,
    [{ cluster, host }],
  );
}

export async function issueCertificates(ctx: InstallContext): Promise<void> {
  const primary = primaryControlPlane(ctx.cluster).name;
  await runStep(
    ctx.tracker,
    'certs',
    {
      key: 'certs/authorities',
      title: 'CAs and service-account key on the first control-plane host',
      host: primary,
    },
    acts.ensureAuthorities,
    [{ cluster: ctx.cluster }],
  );
  await onEachHost(ctx.cluster.spec.hosts, (h) => ensureCertificatesOn(ctx.tracker, ctx.cluster, h.name));
}
