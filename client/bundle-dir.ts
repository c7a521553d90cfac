// The spec's bundle folder as the workflow will see it: an absolute, link-free path, so the
// install's history names the exact bundle (bundles/<k8s>-<arch> is a link that moves on).
import { realpathSync } from 'node:fs';
import type { Cluster } from '../cluster/spec';
import { InputError } from './exit-codes';

/** `needed`: the artifacts phase runs; when it is skipped a missing folder is no error. */
export function withResolvedBundleDir(cluster: Cluster, needed = true): Cluster {
  const { artifacts } = cluster.spec;
  if (artifacts.source !== 'bundle' || !artifacts.bundleDir) return cluster;
  let bundleDir: string;
  try {
    bundleDir = realpathSync(artifacts.bundleDir);
  } catch {
    if (!needed) return cluster;
    throw new InputError(
      `spec.artifacts.bundleDir: ${artifacts.bundleDir} does not exist; build it with \`hakube bundle build\``,
    );
  }
  return { ...cluster, spec: { ...cluster.spec, artifacts: { ...artifacts, bundleDir } } };
}
