// Everything an upgrade checks before it changes anything, judged at once from what preflight
// read: the skew rules against every host's versions, the target bundle (verified, and carrying
// the version asked for), etcd (every member answering, space under the quota), certificates
// that outlive the upgrade, and a backup target for the snapshot taken first. Pure.
import type { MemberStatus } from '../backup/snapshots';
import type { CertReportRow } from '../pki/cert-report';
import type { Cluster } from '../spec';
import { etcdHosts, nodeHosts } from '../topology';
import { checkUpgradeSkew, hostIsCurrent } from './skew';
import type { ProbeResult } from './probe';

/** etcd's --quota-backend-bytes as hakube renders it (cluster/render/etcd.ts). */
export const ETCD_QUOTA_BYTES = 8 * 1024 ** 3;
/** Above this share of the quota an upgrade is refused: a restart with a full db can hit NOSPACE. */
const ETCD_REFUSE_SHARE = 0.8;
const ETCD_WARN_SHARE = 0.5;
/** Certificates must outlive the upgrade by this much (waves may wait days for a window or a PDB). */
export const CERT_MIN_DAYS = 7;

export interface UpgradeFacts {
  cluster: Cluster;
  to: string;
  versions: ProbeResult[];
  bundle: { kubernetesVersion: string; components: { name: string; version: string; source: string }[] };
  etcd: MemberStatus[];
  certificates: CertReportRow[];
  /** The snapshot phase runs (not left out with --skip-phases snapshot). */
  snapshotWanted: boolean;
}

export interface UpgradePreflight {
  errors: string[];
  warnings: string[];
  from?: string;
  /** Hosts with nothing to do (already at the target). */
  current: string[];
}

/** The target bundle's etcd and containerd versions, compared with what hosts run. */
export function bundleOthers(bundle: UpgradeFacts['bundle']): Record<string, string> {
  const others: Record<string, string> = {};
  for (const c of bundle.components) {
    const v = /^v?(\d+\.\d+\.\d+)$/.exec(c.version);
    if (!v) continue;
    if (c.name === 'etcd') others.etcd = `v${v[1]}`;
    if (c.name === 'containerd') others.containerd = `v${v[1]}`;
  }
  return others;
}

export function evaluateUpgradePreflight(f: UpgradeFacts): UpgradePreflight {
  const skew = checkUpgradeSkew(f.versions, f.to);
  const errors = [...skew.errors];
  const warnings = [...skew.warnings];
  if (f.bundle.kubernetesVersion !== f.to)
    errors.push(`the target bundle carries Kubernetes ${f.bundle.kubernetesVersion}, not ${f.to}`);
  const members = etcdHosts(f.cluster).length;
  if (f.etcd.length !== members)
    errors.push(
      `${f.etcd.length} of ${members} etcd members answered: an upgrade restarts each in turn and needs all of them`,
    );
  const leaders = new Set(f.etcd.map((m) => m.leaderId));
  if (leaders.size > 1) errors.push('the etcd members disagree on their leader');
  for (const m of f.etcd) {
    const share = m.dbSize / ETCD_QUOTA_BYTES;
    const mib = (m.dbSize / 2 ** 20).toFixed(0);
    if (share > ETCD_REFUSE_SHARE)
      errors.push(
        `etcd ${m.endpoint}: db ${mib} MiB is ${(share * 100).toFixed(0)} % of its quota: compact and defragment first`,
      );
    else if (share > ETCD_WARN_SHARE)
      warnings.push(`etcd ${m.endpoint}: db ${mib} MiB is ${(share * 100).toFixed(0)} % of its quota`);
  }
  for (const c of f.certificates) {
    if (c.daysLeft !== undefined && c.daysLeft < CERT_MIN_DAYS)
      errors.push(
        `${c.host}: ${c.path} expires in ${c.daysLeft} days: renew it first (hakube certs rotate), an upgrade may run for days`,
      );
  }
  if (f.snapshotWanted && !f.cluster.spec.etcd.backup)
    errors.push(
      'spec.etcd.backup names no backup target: an upgrade takes a verified snapshot first (or pass --skip-phases snapshot)',
    );
  const others = bundleOthers(f.bundle);
  const nodes = new Set(nodeHosts(f.cluster).map((h) => h.name));
  const current = f.versions
    .filter((v) => nodes.has(v.host) && hostIsCurrent(v, f.to, others))
    .map((v) => v.host);
  return { errors, warnings, from: skew.from, current };
}
