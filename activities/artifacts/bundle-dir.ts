// The offline bundle folder a spec names, for activities that read its manifest on the worker.
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from '../../cluster/errors';
import type { Cluster } from '../../cluster/spec';

export function bundleDirOf(cluster: Cluster): string {
  const { artifacts } = cluster.spec;
  if (artifacts.source !== 'bundle' || !artifacts.bundleDir)
    throw ApplicationFailure.create({
      type: ErrorTypes.BundleInvalid,
      message:
        'spec.artifacts needs a bundle folder (source: bundle, bundleDir) for spec.images.source: bundle',
      nonRetryable: true,
    });
  return artifacts.bundleDir;
}
