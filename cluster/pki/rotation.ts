// Certificate rotation, planned: which leaf certificates and kubeconfigs to renew (inside
// renewBefore or expired, or all of them with --force; CAs and the service-account key are not
// leaves), which components must restart to use them, in which order hosts go, and what a
// person approves. Pure.
import type { Cluster, HostSpec } from '../spec';
import { etcdHosts, controlPlaneHosts } from '../topology';
import type { CertReportRow, CertStatus } from './cert-report';

/** A profile's kind: its name without the host (`certs/apiserver`, `kubeconfig/admin`). */
export function profileKind(profile: string): string {
  return profile.split('/').slice(0, 2).join('/');
}

/** The component each kind of certificate is loaded by (restarted after it changes); none for CLI credentials. */
const UNIT_OF_KIND: Record<string, string | undefined> = {
  'certs/etcd-server': 'etcd',
  'certs/etcd-peer': 'etcd',
  'certs/etcd-healthcheck-client': undefined,
  'certs/apiserver': 'kube-apiserver',
  'certs/apiserver-kubelet-client': 'kube-apiserver',
  'certs/apiserver-etcd-client': 'kube-apiserver',
  'certs/front-proxy-client': 'kube-apiserver',
  'kubeconfig/super-admin': undefined,
  'kubeconfig/admin': undefined,
  'kubeconfig/controller-manager': 'kube-controller-manager',
  'kubeconfig/scheduler': 'kube-scheduler',
  'kubeconfig/kube-proxy': 'kube-proxy',
};

export const ROTATABLE_KINDS = Object.keys(UNIT_OF_KIND);

/** Restart order on a host: etcd first (its gate is quorum), then the apiserver, then its clients. */
const RESTART_ORDER = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'];

const DUE: readonly CertStatus[] = ['renew-soon', 'expired'];

export interface RotationOptions {
  /** Renew every leaf, not only those inside renewBefore. */
  force?: boolean;
  /** Only these kinds (`apiserver`, `etcd-server`, `kubeconfig/admin`, ...). */
  only?: string[];
}

export interface HostRenewal {
  host: string;
  /** Profile names (`certs/apiserver/master-1`). */
  profiles: string[];
  /** Units to restart, in order. */
  restart: string[];
  /** What each renewal is for (status, days left), for the plan. */
  why: string[];
}

/** `--only` values as kinds: `apiserver` means `certs/apiserver`. Unknown ones are returned as problems. */
export function onlyKinds(only: string[]): { kinds: string[]; unknown: string[] } {
  const kinds = only.map((o) => (o.includes('/') ? o : `certs/${o}`));
  return { kinds, unknown: only.filter((_, i) => !ROTATABLE_KINDS.includes(kinds[i])) };
}

export function unitsFor(profiles: string[]): string[] {
  const units = new Set(profiles.map((p) => UNIT_OF_KIND[profileKind(p)]).filter((u) => u !== undefined));
  return RESTART_ORDER.filter((u) => units.has(u));
}

/** Hosts in rollout order: etcd members and control-plane hosts first (in spec order), then the rest. */
export function rolloutOrder(c: Cluster): HostSpec[] {
  const first = [...etcdHosts(c), ...controlPlaneHosts(c)].filter((h, i, a) => a.indexOf(h) === i);
  return [...first, ...c.spec.hosts.filter((h) => !first.includes(h))];
}

export function selectRenewals(c: Cluster, rows: CertReportRow[], opts: RotationOptions = {}): HostRenewal[] {
  const kinds = opts.only?.length ? onlyKinds(opts.only).kinds : ROTATABLE_KINDS;
  const out: HostRenewal[] = [];
  for (const host of rolloutOrder(c)) {
    const chosen = rows.filter(
      (r) =>
        r.host === host.name &&
        r.profile !== undefined &&
        kinds.includes(profileKind(r.profile)) &&
        r.status !== 'missing' &&
        (opts.force || DUE.includes(r.status)),
    );
    if (chosen.length === 0) continue;
    const profiles = chosen.map((r) => r.profile as string);
    out.push({
      host: host.name,
      profiles,
      restart: unitsFor(profiles),
      why: chosen.map(
        (r) => `${r.path} (${r.status}${r.daysLeft === undefined ? '' : `, ${r.daysLeft} days left`})`,
      ),
    });
  }
  return out;
}

/** What a person approves: per host, in order, what is renewed and restarted, and the gates. */
export function rotationPlan(renewals: HostRenewal[], stamp: string): string[] {
  const lines = renewals.map(
    (r, i) =>
      `${i + 1}. ${r.host}: renew ${r.why.join(', ')}; restart ${r.restart.join(', ') || 'nothing'}; then gate (etcd quorum, /readyz, leaders) and check the served certificates`,
  );
  lines.push(
    `previous certificates and keys are kept on each host as <path>.before-rotate-${stamp}; a failed gate puts them back on that host and stops the rollout`,
  );
  return lines;
}

/** Serials compare as hex without leading zeros, whatever the tool printed. */
export function sameSerial(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .replace(/[^0-9a-f]/gi, '')
      .toLowerCase()
      .replace(/^0+/, '');
  return norm(a) === norm(b);
}

/** The first `Serial Number:` of curl's `--write-out '%{certs}'` (the served leaf comes first). */
export function parseServedSerial(curlCerts: string): string | undefined {
  return /^Serial Number:\s*([0-9a-fA-F:]+)\s*$/m.exec(curlCerts)?.[1]?.replace(/:/g, '');
}
