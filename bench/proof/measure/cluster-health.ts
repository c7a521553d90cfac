// Is the installed cluster working? /readyz through the VIP (admin.conf points there), every etcd
// member healthy, every node registered. The same checks judge hakube's install and the baseline.
import { kubectl } from '../../../activities/controlplane/control-plane';
import { RemoteHost, SshPool } from '../../../activities/ssh';
import { sshTargetFor } from '../../../activities/ssh-hosts';
import { loadClusterOrThrow } from '../../../client/spec-file';
import { etcdctl, LOCAL_ETCD } from '../../../cluster/etcdctl';
import type { Cluster } from '../../../cluster/spec';
import { etcdHosts, hostByName, primaryControlPlane } from '../../../cluster/topology';
import { eventually } from '../../../test/helpers/temporal';

export interface ClusterHealth {
  readyz: string;
  healthyMembers: number;
  nodes: number;
  ok: boolean;
}

async function probe(cluster: Cluster, on: (host: string) => RemoteHost): Promise<ClusterHealth> {
  const primary = on(primaryControlPlane(cluster).name);
  const readyz = (await primary.exec(kubectl('get --raw /readyz'))).stdout.trim();
  const health = await primary.exec(etcdctl(LOCAL_ETCD, 'endpoint health --cluster'));
  // etcdctl prints endpoint health on stderr.
  const healthyMembers = ((health.stdout + health.stderr).match(/is healthy/g) ?? []).length;
  const nodes = (await primary.exec(kubectl("get nodes -o jsonpath='{.items[*].metadata.name}'"))).stdout
    .trim()
    .split(/\s+/)
    .filter(Boolean).length;
  const ok =
    readyz === 'ok' && healthyMembers === etcdHosts(cluster).length && nodes === cluster.spec.hosts.length;
  return { readyz: readyz.slice(0, 80), healthyMembers, nodes, ok };
}

/** The health, waiting up to `waitMs` for it to be good (the last probe is returned either way). */
export async function clusterHealth(
  cluster: Cluster,
  on: (host: string) => RemoteHost,
  waitMs = 60_000,
): Promise<ClusterHealth> {
  let last: ClusterHealth = { readyz: '', healthyMembers: 0, nodes: 0, ok: false };
  await eventually(
    async () => {
      last = await probe(cluster, on);
      return last.ok;
    },
    waitMs,
    'a healthy cluster',
    2000,
  ).catch(() => undefined);
  return last;
}

/** The cluster of a lab's spec file, with SSH to its hosts on a pool of its own. */
export function labCluster(specPath: string): {
  cluster: Cluster;
  on: (host: string) => RemoteHost;
  close(): void;
} {
  const { cluster } = loadClusterOrThrow(specPath);
  const pool = new SshPool();
  return {
    cluster,
    on: (host) => new RemoteHost(pool, sshTargetFor(cluster, hostByName(cluster, host))),
    close: () => pool.closeAll(),
  };
}
