// What blocks a drain: the pods kubectl could not evict ("Cannot evict pod as it would violate the
// pod's disruption budget") and the PodDisruptionBudgets in their namespaces that allow no
// disruption now. Both come from the cluster and are parsed as untrusted text. Pure.

export interface BlockedPod {
  namespace: string;
  pod: string;
}

export interface PdbList {
  items?: {
    metadata?: { name?: string; namespace?: string };
    status?: { disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number };
  }[];
}

export interface BlockingBudget {
  namespace: string;
  name: string;
  allowed: number;
  healthy: number;
  desired: number;
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Pods kubectl drain reports as blocked by a disruption budget (each once). */
export function parseEvictionBlocks(stderr: string): BlockedPod[] {
  const seen = new Map<string, BlockedPod>();
  for (const line of stderr.split('\n')) {
    if (!/disruption budget/i.test(line)) continue;
    const m = /evicting pods?\/"?([^"\s]+)"? -n "?([^"\s]+)"?/.exec(line);
    if (!m || !NAME.test(m[1]) || !NAME.test(m[2])) continue;
    seen.set(`${m[2]}/${m[1]}`, { namespace: m[2], pod: m[1] });
  }
  return [...seen.values()];
}

/** Budgets allowing no disruption in the namespaces of the blocked pods. */
export function blockingBudgets(list: PdbList, blocked: readonly BlockedPod[]): BlockingBudget[] {
  const namespaces = new Set(blocked.map((b) => b.namespace));
  return (list.items ?? [])
    .filter((p) => namespaces.has(p.metadata?.namespace ?? '') && (p.status?.disruptionsAllowed ?? 0) === 0)
    .map((p) => ({
      namespace: p.metadata?.namespace ?? '',
      name: p.metadata?.name ?? '',
      allowed: p.status?.disruptionsAllowed ?? 0,
      healthy: p.status?.currentHealthy ?? 0,
      desired: p.status?.desiredHealthy ?? 0,
    }))
    .filter((b) => NAME.test(b.name));
}
