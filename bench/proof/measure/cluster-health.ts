// Is the installed cluster working? /readyz through the VIP (admin.conf points there), every etcd
// member listed and healthy, every node registered. The same checks judge hakube's install, the
// baseline's, and the cluster each fault scenario leaves.
import { kubectl } from '../../../activities/controlplane/control-plane';
import { RemoteHost, SshPool } from '../../../activities/ssh';
import { sshTargetFor } from '../../../activities/ssh-hosts';
import { loadClusterOrThrow } from '../../../client/spec-file';
import { etcdctl, LOCAL_ETCD, parseMemberList } from '../../../cluster/etcdctl';
import type { Cluster } from '../../../cluster/spec';
import { etcdHosts, hostByName, primaryControlPlane } from '../../../cluster/topology';
import { eventually } from '../../../test/helpers/temporal';

export interface ClusterHealth {
  readyz: string;
  /** Names in etcd's member list. */
  etcdMembers: string[];
  healthyMembers: number;
  nodes: number;
  ok: boolean;
}

/** A cluster and SSH to its hosts: a lab session, or `labCluster` of a lab's spec. */
export interface ClusterAccess {
  cluster: Cluster;
  on(host: string): RemoteHost;
}

/** How many Node objects the apiserver has, asked on `primary`. */
export async function registeredNodes(primary: RemoteHost): Promise<number> {
  const r = await primary.exec(kubectl("get nodes -o jsonpath='{.items[*].metadata.name}'"));
  return r.stdout.trim().split(/\s+/).filter(Boolean).length;
}

async function probe({ cluster, on }: ClusterAccess): Promise<ClusterHealth> {
  const primary = on(primaryControlPlane(cluster).name);
  const readyz = (await primary.exec(kubectl('get --raw /readyz'))).stdout.trim();
  const list = await primary.exec(etcdctl(LOCAL_ETCD, 'member list -w json'));
  const etcdMembers =
    list.exitCode === 0
      ? parseMemberList(list.stdout)
          .map((m) => m.name)
          .sort()
      : [];
  const health = await primary.exec(etcdctl(LOCAL_ETCD, 'endpoint health --cluster'));
  // etcdctl prints endpoint health on stderr.
  const healthyMembers = ((health.stdout + health.stderr).match(/is healthy/g) ?? []).length;
  const nodes = await registeredNodes(primary);
  const members = etcdHosts(cluster).length;
  const ok =
    readyz === 'ok' &&
    etcdMembers.length === members &&
    healthyMembers === members &&
    nodes === cluster.spec.hosts.length;
  return { readyz: readyz.slice(0, 80), etcdMembers, healthyMembers, nodes, ok };
}

/** The health, waiting up to `waitMs` for it to be good (the last probe is returned either way). */
export async function clusterHealth(access: ClusterAccess, waitMs = 60_000): Promise<ClusterHealth> {
  let last: ClusterHealth = { readyz: '', etcdMembers: [], healthyMembers: 0, nodes: 0, ok: false };
  await eventually(
    async () => {
      last = await probe(access);
      return last.ok;
    },
    waitMs,
    'a healthy cluster',
    2000,
  ).catch(() => undefined);
  return last;
}

/** The cluster of a lab's spec file, with SSH to its hosts on a pool of its own. */
export function labCluster(specPath: string): ClusterAccess & { close(): void } {
  const { cluster } = loadClusterOrThrow(specPath);
  const pool = new SshPool();
  return {
    cluster,
    on: (host) => new RemoteHost(pool, sshTargetFor(cluster, hostByName(cluster, host))),
    close: () => pool.closeAll(),
  };
}
