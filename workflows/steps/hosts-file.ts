// The cluster's block of /etc/hosts on every host, after nodes joined or left.
import type { Cluster } from '../../cluster/spec';
import { acts, runOnEach } from '../shared/activities';
import { failureText } from '../shared/outcome';
import type { OperationTracker } from '../shared/tracker';

/** A host that is down keeps an older block: said as a warning, not fatal (nothing depends on it). */
export async function refreshHostsFiles(t: OperationTracker, cluster: Cluster): Promise<void> {
  await runOnEach(
    t,
    'hosts-file',
    cluster.spec.hosts,
    { key: 'hosts-file', title: "the cluster's /etc/hosts block" },
    acts.ensureHostsFile,
    (h) => ({ cluster, host: h.name }),
    { retry: { maximumAttempts: 5, initialInterval: '2 seconds' } },
  ).catch((err: unknown) => {
    t.progress.warnings.push(`/etc/hosts not refreshed everywhere: ${failureText(err)}`);
  });
}
