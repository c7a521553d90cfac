// Findings that need more than one host's look: clock skew between hosts, where the VIP is, the
// Node objects, etcd's members as the cluster sees them, and the certificate check. Pure.
import type { EndpointHealth } from '../etcdctl';
import type { CertReportRow } from '../pki/cert-report';
import type { Cluster } from '../spec';
import { apiserverPort, controlPlaneHosts, etcdHosts, nodeHosts, vipParts } from '../topology';
import { excerpt, type Evidence, type Finding } from './finding';
import type { HostProbe } from './probe';

/** etcd's peers warn about a clock difference above 1 s; certificates and tokens break at more. */
export const SKEW_WARN_MS = 1_000;
export const SKEW_ERROR_MS = 30_000;

export interface HostLook {
  host: string;
  /** Absent when the host could not be probed (then `error` says why). */
  probe?: HostProbe;
  /** Host clock minus the reader's clock at the middle of the round trip, and that trip's length. */
  skewMs?: number;
  roundTripMs?: number;
  error?: string;
  at: string;
}

export interface NodeView {
  name: string;
  /** Ready condition: True, False or Unknown. */
  ready: string;
  reason: string;
  message: string;
  /** Pressure conditions that are True (DiskPressure, MemoryPressure, PIDPressure, NetworkUnavailable). */
  pressures: string[];
  kubeletVersion: string;
}

export interface ClusterView {
  /** The control-plane host it was read from. */
  via: string;
  at: string;
  nodes?: NodeView[];
  nodesError?: string;
  etcdHealth?: EndpointHealth[];
  /** The etcd host the health was read through (the first member that answered). */
  etcdVia?: string;
  /** Why no member answered, per member tried. */
  etcdError?: string;
}

const ev = (host: string, source: string, output: string, at: string): Evidence => ({
  source: `${host}$ ${source}`,
  output: excerpt(output),
  at,
});

export function unreachableFindings(looks: readonly HostLook[], specFile: string): Finding[] {
  return looks
    .filter((l) => !l.probe)
    .map((l) => ({
      check: 'host/unreachable',
      severity: 'critical' as const,
      host: l.host,
      message: `${l.host}: could not be probed over SSH`,
      evidence: [{ source: `ssh ${l.host}`, output: excerpt(l.error ?? 'no answer'), at: l.at }],
      fix: `check the host is up and sshd answers; if it is gone for good: hakube node remove -f ${specFile} --node ${l.host} --host-down`,
    }));
}

/** Each host against the median of all: one host off is named, not every other one. */
export function clockFindings(looks: readonly HostLook[]): Finding[] {
  const measured = looks.filter((l) => l.probe && l.skewMs !== undefined);
  if (measured.length < 2) return [];
  const sorted = measured.map((l) => l.skewMs as number).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return measured.flatMap((l) => {
    const off = (l.skewMs as number) - median;
    const slack = Math.ceil((l.roundTripMs ?? 0) / 2);
    if (Math.abs(off) - slack < SKEW_WARN_MS) return [];
    return [
      {
        check: 'clock/skew',
        severity: Math.abs(off) - slack >= SKEW_ERROR_MS ? ('error' as const) : ('warning' as const),
        host: l.host,
        message: `${l.host}: its clock is ${(Math.abs(off) / 1000).toFixed(1)} s ${off > 0 ? 'ahead of' : 'behind'} the other hosts'`,
        evidence: [
          ev(
            l.host,
            'date +%s%3N',
            `${off > 0 ? '+' : ''}${off} ms from the hosts' median (read within ±${slack} ms)`,
            l.at,
          ),
        ],
        fix: `synchronize it: timedatectl set-ntp true on ${l.host} (or chrony); etcd and certificate checks need clocks within 1 s`,
      },
    ];
  });
}

/** The VIP must be on exactly one control-plane host. */
export function vipFindings(cluster: Cluster, looks: readonly HostLook[]): Finding[] {
  const ep = cluster.spec.controlPlaneEndpoint;
  if (ep.mode !== 'keepalived') return [];
  const vip = vipParts(ep.vip).address;
  const cps = new Set(controlPlaneHosts(cluster).map((h) => h.name));
  const probed = looks.filter((l) => cps.has(l.host) && l.probe?.addresses);
  if (probed.length === 0) return [];
  const holders = probed.filter((l) => l.probe?.addresses?.includes(vip)).map((l) => l.host);
  const evidence = probed.map((l) =>
    ev(
      l.host,
      'ip -o addr show',
      l.probe?.addresses?.includes(vip) ? `holds ${vip}` : `does not hold ${vip}`,
      l.at,
    ),
  );
  if (holders.length === 1) return [];
  if (holders.length === 0)
    return [
      {
        check: 'endpoint/vip-nowhere',
        severity: 'critical',
        message: `the VIP ${vip} is on no control-plane host: the API endpoint does not answer`,
        evidence,
        fix: 'systemctl status keepalived on the control-plane hosts; journalctl -u keepalived (a failing check script keeps every host in FAULT)',
      },
    ];
  return [
    {
      check: 'endpoint/vip-split',
      severity: 'critical',
      message: `the VIP ${vip} is on ${holders.length} hosts at once (${holders.join(', ')}): VRRP between them is blocked`,
      evidence,
      fix: 'let VRRP (IP protocol 112) through between the control-plane hosts, then systemctl restart keepalived on all but one',
    },
  ];
}

export function nodeFindings(cluster: Cluster, view: ClusterView, specFile: string): Finding[] {
  if (!view.nodes) return [];
  const out: Finding[] = [];
  const byName = new Map(view.nodes.map((n) => [n.name, n]));
  const source = 'kubectl get nodes -o json';
  for (const h of nodeHosts(cluster)) {
    const n = byName.get(h.name);
    if (!n) {
      out.push({
        check: 'node/not-registered',
        severity: 'error',
        host: h.name,
        message: `${h.name}: no Node object (kubelet never registered, or the node was deleted)`,
        evidence: [ev(view.via, source, `no node ${h.name}`, view.at)],
        fix: `journalctl -u kubelet -n 100 on ${h.name}; hakube install -f ${specFile} (or hakube node add) registers it again`,
      });
      continue;
    }
    if (n.ready !== 'True')
      out.push({
        check: 'node/not-ready',
        severity: 'error',
        host: h.name,
        message: `${h.name}: node is ${n.ready === 'Unknown' ? 'NotReady (kubelet stopped posting status)' : 'NotReady'}`,
        evidence: [ev(view.via, source, `Ready=${n.ready} ${n.reason}: ${n.message}`, view.at)],
        fix: `journalctl -u kubelet -n 100 on ${h.name}; systemctl restart kubelet. A host gone for good: hakube node remove -f ${specFile} --node ${h.name} --host-down`,
      });
    for (const p of n.pressures)
      out.push({
        check: 'node/pressure',
        severity: 'warning',
        host: h.name,
        message: `${h.name}: node reports ${p}`,
        evidence: [ev(view.via, source, `${p}=True`, view.at)],
        fix:
          p === 'DiskPressure'
            ? `free space on ${h.name} (crictl rmi --prune; journalctl --vacuum-size=500M)`
            : `see what uses it on ${h.name}: kubectl describe node ${h.name}`,
      });
  }
  return out;
}

export function etcdClusterFindings(cluster: Cluster, view: ClusterView, specFile: string): Finding[] {
  if (!view.etcdHealth && !view.etcdError) return [];
  const members = etcdHosts(cluster).length;
  const health = view.etcdHealth ?? [];
  const healthy = health.filter((e) => e.health).length;
  const source = 'etcdctl endpoint health --cluster';
  const via = view.etcdVia ?? view.via;
  const output =
    view.etcdError ??
    health.map((e) => `${e.endpoint} ${e.health ? 'healthy' : `unhealthy: ${e.error ?? ''}`}`).join('\n');
  const quorum = Math.floor(members / 2) + 1;
  if (healthy < quorum)
    return [
      {
        check: 'etcd/no-quorum',
        severity: 'critical',
        message: view.etcdHealth
          ? `etcd has ${healthy} healthy member(s) of ${members}: no quorum, the cluster cannot change`
          : `no etcd member answered: the cluster cannot change`,
        evidence: [ev(via, source, output, view.at)],
        fix: `start the stopped members (systemctl start etcd); if a majority is lost for good: hakube restore -f ${specFile}`,
      },
    ];
  return health
    .filter((e) => !e.health)
    .map((e) => ({
      check: 'etcd/member-unhealthy',
      severity: 'error' as const,
      message: `etcd member ${e.endpoint} is unhealthy (${healthy} of ${members} healthy: ${healthy - quorum} more may fail before quorum is lost)`,
      evidence: [ev(via, source, output, view.at)],
      fix: 'systemctl status etcd and journalctl -u etcd -n 100 on its host',
    }));
}

export function clusterReadFindings(cluster: Cluster, view: ClusterView): Finding[] {
  if (!view.nodesError) return [];
  return [
    {
      check: 'api/unreadable',
      severity: 'critical',
      message: `the API did not answer from ${view.via}: Node objects could not be read`,
      evidence: [ev(view.via, 'kubectl get nodes', view.nodesError, view.at)],
      fix: `see the apiserver findings; curl -k 'https://127.0.0.1:${apiserverPort(cluster)}/readyz?verbose' on a control-plane host`,
    },
  ];
}

/** The certificate check's rows that need a person, as findings. */
export function certificateFindings(rows: readonly CertReportRow[], specFile: string, at: string): Finding[] {
  const severity = {
    expired: 'critical',
    'renew-soon': 'warning',
    'wrong-sans': 'error',
    'unknown-ca': 'error',
    missing: 'error',
    unreadable: 'error',
  } as const;
  return rows.flatMap((r) => {
    if (r.status === 'ok' || r.status === 'self-signed' || r.status === 'unreachable') return [];
    const what =
      r.status === 'expired'
        ? `expired on ${r.notAfter?.slice(0, 10) ?? '?'}`
        : r.status === 'renew-soon'
          ? `expires in ${r.daysLeft ?? '?'} days (${r.notAfter?.slice(0, 10) ?? '?'})`
          : r.status === 'wrong-sans'
            ? `lacks names or addresses it must carry${r.detail ? `: ${r.detail}` : ''}`
            : `${r.status}${r.detail ? `: ${r.detail}` : ''}`;
    return [
      {
        check: `certificate/${r.status}`,
        severity: severity[r.status],
        host: r.host,
        message: `${r.host}: ${r.path} ${what}`,
        evidence: [
          ev(
            r.host,
            `hakube certs check (${r.path})`,
            `${r.subject ?? ''} notAfter=${r.notAfter ?? '?'} SANs=${r.sans.join(',')}`,
            at,
          ),
        ],
        fix:
          r.status === 'unknown-ca'
            ? `hakube certs rotate -f ${specFile} re-issues it from the cluster's CA`
            : `hakube certs rotate -f ${specFile} (renews and restarts one host at a time behind health gates)`,
      },
    ];
  });
}
