// The binaries a host's roles need, from the offline bundle (install and join).
import { bundleDirOf } from '../../cluster/bundle-dir';
import { steps } from '../../cluster/plan/steps';
import type { Cluster } from '../../cluster/spec';
import { acts, runStep } from '../shared/activities';
import type { OperationTracker } from '../shared/tracker';

/** Uploads the binaries `host`'s roles need (skipped when it has the same bytes). */
export function ensureBinariesOn(t: OperationTracker, cluster: Cluster, host: string): Promise<unknown> {
  return runStep(
    t,
    'artifacts',
    steps.binaries(host),
    acts.ensureBinaries,
    [{ cluster, host, bundleDir: bundleDirOf(cluster) }],
    { startToCloseTimeout: '1 hour' },
  );
}
