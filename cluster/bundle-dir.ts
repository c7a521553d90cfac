// The offline bundle folder a spec names, on the worker's machine (the client resolves it before
// an operation starts). Shared by the install workflow and the activities that read the bundle's
// manifest; ApplicationFailure from @temporalio/common is the one the workflow package re-exports.
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from './errors';
import type { Cluster } from './spec';

export function bundleDirOf(cluster: Cluster): string {
  const { artifacts } = cluster.spec;
  if (artifacts.source !== 'bundle' || !artifacts.bundleDir) {
    // A mirror source is fetched on hosts by a later release.
    throw ApplicationFailure.create({
      type: ErrorTypes.BundleInvalid,
      message: 'spec.artifacts needs a bundle folder (source: bundle, bundleDir)',
      nonRetryable: true,
    });
  }
  return artifacts.bundleDir;
}
