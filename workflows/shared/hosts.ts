// How a phase walks its hosts: all at once where the runbook allows it, one at a time where a
// host's restart must not overlap another's (etcd members, apiservers behind the endpoint).
import type { HostSpec } from '../../cluster/spec';

/** Runs fn for every host at once and waits for all of them. */
export async function onEachHost<T>(hosts: HostSpec[], fn: (h: HostSpec) => Promise<T>): Promise<T[]> {
  return Promise.all(hosts.map(fn));
}

/** Runs fn for each host in order. */
export async function oneHostAtATime<T>(hosts: HostSpec[], fn: (h: HostSpec) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (const h of hosts) out.push(await fn(h));
  return out;
}
