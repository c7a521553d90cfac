// Kubernetes' version-skew policy as it applies to an upgrade, checked before anything changes
// (https://kubernetes.io/releases/version-skew-policy/):
// - apiservers move one minor at a time, and never backwards (a downgrade is a restore);
// - in an HA control plane the apiservers are at most one minor apart, so a control plane left
//   half-upgraded by an earlier run is continued, not jumped over;
// - a kubelet or kube-proxy may be up to three minors older than the apiservers, never newer:
//   the upgrade does control-plane hosts before workers, and refuses a target that would leave a
//   kubelet more than three minors behind (that node must be upgraded first);
// - controller-manager and scheduler are never newer than the apiservers (same host order).
// Pure.
import { parseSemver } from '../bundle/versions';

/** What one host runs now, read from its binaries' --version (undefined: not installed there). */
export interface HostVersions {
  host: string;
  /** Binary name → version ("v1.36.3"); only the Kubernetes and etcd binaries hakube installs. */
  versions: Record<string, string | undefined>;
  /** Units whose running process is an older copy of the binary on disk (replaced, not restarted). */
  outdated: string[];
}

export const KUBERNETES_BINARIES = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubelet',
  'kube-proxy',
  'kubectl',
] as const;

/** How many minors a kubelet may trail the apiservers. */
export const KUBELET_MAX_MINOR_LAG = 3;

type Semver = [number, number, number];

function compare(a: Semver, b: Semver): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

const text = (v: Semver) => `v${v.join('.')}`;

export interface SkewReport {
  /** Refusals: nothing is changed while one remains. */
  errors: string[];
  warnings: string[];
  /** The oldest Kubernetes version found on any host (what the cluster is upgraded from). */
  from?: string;
}

/** The target against what every host runs now. */
export function checkUpgradeSkew(hosts: readonly HostVersions[], target: string): SkewReport {
  const errors: string[] = [];
  const warnings: string[] = [];
  const to = parseSemver(target);
  if (!to || !/^v\d+\.\d+\.\d+$/.test(target))
    return { errors: [`target version "${target}" is not a release version like v1.37.2`], warnings };
  const found: Semver[] = [];
  const apiservers: { host: string; v: Semver }[] = [];
  for (const h of hosts) {
    for (const bin of KUBERNETES_BINARIES) {
      const raw = h.versions[bin];
      if (raw === undefined) continue;
      const v = parseSemver(raw);
      if (!v) {
        errors.push(`${h.host}: ${bin} reports "${raw}", not a version`);
        continue;
      }
      found.push(v);
      if (bin === 'kube-apiserver') apiservers.push({ host: h.host, v });
      if (compare(v, to) > 0)
        errors.push(
          `${h.host}: ${bin} is ${raw}, newer than ${target}: a downgrade is not an upgrade (restore a snapshot, or roll back with the previous binaries)`,
        );
      if (bin === 'kubelet' && to[1] - v[1] > KUBELET_MAX_MINOR_LAG)
        errors.push(
          `${h.host}: kubelet ${raw} would trail the apiservers at ${target} by more than ${KUBELET_MAX_MINOR_LAG} minors; upgrade it to v1.${to[1] - KUBELET_MAX_MINOR_LAG} or later first`,
        );
    }
  }
  if (apiservers.length === 0) errors.push('no host reports a kube-apiserver: is this cluster installed?');
  for (const a of apiservers) {
    if (a.v[0] !== to[0])
      errors.push(`${a.host}: kube-apiserver ${text(a.v)} and ${target} differ in major version`);
    else if (to[1] - a.v[1] > 1)
      errors.push(
        `${a.host}: kube-apiserver ${text(a.v)} is more than one minor behind ${target}: upgrade one minor at a time (first to v${to[0]}.${a.v[1] + 1}.x)`,
      );
  }
  const minors = new Set(apiservers.map((a) => a.v[1]));
  if (minors.size > 1 && Math.max(...minors) - Math.min(...minors) > 1)
    errors.push(
      `the apiservers are more than one minor apart (${apiservers.map((a) => `${a.host} ${text(a.v)}`).join(', ')})`,
    );
  if (minors.size > 1)
    warnings.push(
      `the control plane runs mixed versions (${apiservers.map((a) => `${a.host} ${text(a.v)}`).join(', ')}): an earlier upgrade did not finish; this one continues it`,
    );
  const oldest = found.sort(compare)[0];
  return { errors, warnings, from: oldest ? text(oldest) : undefined };
}

/**
 * A host needs no work: every Kubernetes binary it has is at the target, every other binary in
 * `others` (etcd, containerd: the target bundle's versions) matches, and no unit runs an older copy.
 */
export function hostIsCurrent(
  h: HostVersions,
  target: string,
  others: Readonly<Record<string, string>> = {},
): boolean {
  const present = KUBERNETES_BINARIES.filter((b) => h.versions[b] !== undefined);
  const othersMatch = Object.entries(others).every(
    ([bin, v]) => h.versions[bin] === undefined || h.versions[bin] === v,
  );
  return (
    present.length > 0 &&
    present.every((b) => h.versions[b] === target) &&
    othersMatch &&
    h.outdated.length === 0
  );
}
