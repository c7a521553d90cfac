// Binaries from the offline bundle, then the certificate table: CAs on the first control-plane
// host, then every host's certificates and kubeconfigs (hosts in parallel).
import { ApplicationFailure } from '@temporalio/workflow';
import { primaryControlPlane } from '../../cluster/topology';
import { ErrorTypes } from '../../cluster/errors';
import { acts, runStep } from '../shared/activities';
import { onEachHost, type InstallContext } from './context';

export async function distributeBinaries(ctx: InstallContext): Promise<void> {
  const { artifacts } = ctx.cluster.spec;
  if (artifacts.source !== 'bundle' || !artifacts.bundleDir) {
    // The client resolves bundleDir before starting; a mirror source is fetched on hosts by a later release.
    throw ApplicationFailure.create({
      type: ErrorTypes.BundleInvalid,
      message: 'spec.artifacts needs a bundle folder (source: bundle, bundleDir)',
      nonRetryable: true,
    });
  }
  const bundleDir = artifacts.bundleDir;
  await onEachHost(ctx.cluster.spec.hosts, (h) =>
    runStep(
      ctx.tracker,
      'artifacts',
      { key: `artifacts/binaries/${h.name}`, title: 'upload the binaries its roles need', host: h.name },
      acts.ensureBinaries,
      [{ cluster: ctx.cluster, host: h.name, bundleDir }],
      { startToCloseTimeout: '1 hour' },
    ),
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
  await onEachHost(ctx.cluster.spec.hosts, (h) =>
    runStep(
      ctx.tracker,
      'certs',
      { key: `certs/host/${h.name}`, title: 'certificates and kubeconfigs', host: h.name },
      acts.ensureHostCertificates,
      [{ cluster: ctx.cluster, host: h.name }],
    ),
  );
}
