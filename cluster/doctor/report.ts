// A whole doctor report from what was gathered: the same function for the workflow and for
// `hakube doctor --direct`, so both say the same thing about the same cluster. Pure.
import type { CertReportRow } from '../pki/cert-report';
import type { Cluster } from '../spec';
import { controlPlaneHosts, hostByName, primaryControlPlane } from '../topology';
import {
  certificateFindings,
  clockFindings,
  clusterReadFindings,
  etcdClusterFindings,
  nodeFindings,
  unreachableFindings,
  vipFindings,
  type ClusterView,
  type HostLook,
  type NodeView,
} from './cluster-findings';
import { needsAction, sortFindings, type Finding } from './finding';
import { hostFindings } from './host-findings';

export interface DoctorReport {
  cluster: string;
  at: string;
  hosts: string[];
  findings: Finding[];
  /** Findings at warning or above (exit code 1 when not zero). */
  actionable: number;
}

export interface DoctorInputs {
  cluster: Cluster;
  specFile: string;
  at: string;
  looks: HostLook[];
  view?: ClusterView;
  certificates?: CertReportRow[];
}

export function doctorReport(i: DoctorInputs): DoctorReport {
  const findings = [
    ...unreachableFindings(i.looks, i.specFile),
    ...i.looks.flatMap((l) =>
      l.probe
        ? hostFindings(
            { cluster: i.cluster, host: hostByName(i.cluster, l.host), at: l.at, specFile: i.specFile },
            l.probe,
          )
        : [],
    ),
    ...clockFindings(i.looks),
    ...vipFindings(i.cluster, i.looks),
    ...(i.view
      ? [
          ...clusterReadFindings(i.cluster, i.view),
          ...nodeFindings(i.cluster, i.view, i.specFile),
          ...etcdClusterFindings(i.cluster, i.view, i.specFile),
        ]
      : []),
    ...certificateFindings(i.certificates ?? [], i.specFile, i.at),
  ];
  const sorted = sortFindings(findings);
  return {
    cluster: i.cluster.metadata.name,
    at: i.at,
    hosts: i.looks.map((l) => l.host),
    findings: sorted,
    actionable: needsAction(sorted).length,
  };
}

interface NodeJson {
  items?: {
    metadata?: { name?: unknown };
    status?: {
      conditions?: { type?: unknown; status?: unknown; reason?: unknown; message?: unknown }[];
      nodeInfo?: { kubeletVersion?: unknown };
    };
  }[];
}

const str = (v: unknown, max = 300) => (typeof v === 'string' ? v.slice(0, max) : '');
const PRESSURES = ['DiskPressure', 'MemoryPressure', 'PIDPressure', 'NetworkUnavailable'];

/** `kubectl get nodes -o json`, reduced to what doctor judges; names checked like user input. */
export function parseNodes(json: string): NodeView[] {
  const parsed = JSON.parse(json) as NodeJson;
  return (parsed.items ?? []).flatMap((n) => {
    const name = str(n.metadata?.name, 253);
    if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(name)) return [];
    const conds = n.status?.conditions ?? [];
    const ready = conds.find((c) => c.type === 'Ready');
    return [
      {
        name,
        ready: ['True', 'False', 'Unknown'].includes(str(ready?.status)) ? str(ready?.status) : 'Unknown',
        reason: str(ready?.reason),
        message: str(ready?.message),
        pressures: conds
          .filter((c) => PRESSURES.includes(str(c.type)) && c.status === 'True')
          .map((c) => str(c.type)),
        kubeletVersion: str(n.status?.nodeInfo?.kubeletVersion, 64),
      },
    ];
  });
}

/**
 * The control-plane host to read the cluster through: one whose own apiserver answered `/readyz`
 * in its probe, else the first one (whose failure is then the finding).
 */
export function clusterViewHost(cluster: Cluster, looks: readonly HostLook[]): string {
  const answering = controlPlaneHosts(cluster).find(
    (h) => looks.find((l) => l.host === h.name)?.probe?.controlPlane?.readyz === 'ok',
  );
  return (answering ?? primaryControlPlane(cluster)).name;
}

/** A host whose certificates could not be read: said as a row, so the report names it. */
export function certificatesUnreadable(host: string, why: string): CertReportRow {
  return { host, path: '-', sans: [], status: 'unreadable', detail: why.slice(0, 300) };
}
