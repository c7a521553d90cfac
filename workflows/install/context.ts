// What every install phase gets: the spec, the progress tracker, and a per-host step runner.
import type { Cluster, HostSpec } from '../../cluster/spec';
import type { OperationTracker } from '../shared/tracker';

export interface InstallContext {
  cluster: Cluster;
  tracker: OperationTracker;
  warnings: string[];
}

/** Runs fn for every host at once (the phase allows parallelism) and waits for all of them. */
export async function onEachHost<T>(hosts: HostSpec[], fn: (h: HostSpec) => Promise<T>): Promise<T[]> {
  return Promise.all(hosts.map(fn));
}

/** Runs fn for each host in order (etcd members, rolling restarts). */
export async function oneHostAtATime<T>(hosts: HostSpec[], fn: (h: HostSpec) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (const h of hosts) out.push(await fn(h));
  return out;
}
