// The read-only look `hakube doctor` takes at one host: one script, one SSH round trip, and a
// pure parser that validates what comes back like user input (a host's output is not trusted).
import { etcdctl, LOCAL_ETCD } from '../etcdctl';
import { scriptSections } from '../facts';
import { BIN_DIR, pki } from '../layout';
import { shq } from '../shell-quote';
import type { Cluster, HostSpec } from '../spec';
import { apiserverPort, controlPlaneHosts } from '../topology';
import { hakubeUnitsOn } from '../plan/reset';

/** Within this window of the journal, `E…` lines of the components are counted (klog's error lines). */
export const LOG_WINDOW = '15min';
/** Error lines kept per unit as evidence. */
const LOG_SAMPLE = 3;
const LOGGED_UNITS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet'] as const;
const ETCD_METRICS = [
  'etcd_server_has_leader',
  'etcd_server_leader_changes_seen_total',
  'etcd_mvcc_db_total_size_in_bytes',
  'etcd_server_quota_backend_bytes',
] as const;

const roles = (h: HostSpec) => ({
  etcd: h.roles.includes('etcd'),
  controlPlane: h.roles.includes('control-plane'),
  node: h.roles.includes('worker') || h.roles.includes('control-plane'),
});
const keepalived = (c: Cluster) => c.spec.controlPlaneEndpoint.mode === 'keepalived';

/** Where a full disk hurts this host: the root, etcd's data, images, pods. */
export function watchedPaths(c: Cluster, h: HostSpec): string[] {
  const r = roles(h);
  return [
    '/',
    ...(r.etcd ? [c.spec.etcd.dataDir] : []),
    ...(r.node ? ['/var/lib/containerd', '/var/lib/kubelet'] : []),
  ];
}

/**
 * A section's marker, on a line of its own: what the section before printed may not end with a
 * newline (a PEM file written without one glued `### backends` to its last line once).
 */
const section = (name: string) => `echo; echo '### ${name}';`;

/** The script (POSIX sh; every section tolerates a missing tool or a stopped service). */
export function doctorProbeScript(c: Cluster, h: HostSpec): string {
  const r = roles(h);
  const port = apiserverPort(c);
  const paths = watchedPaths(c, h).map(shq).join(' ');
  const https = (address: string) =>
    shq(`https://${address.includes(':') ? `[${address}]` : address}:${port}/readyz`);
  const lines = [
    'export LC_ALL=C',
    `${section('time')} date +%s%3N`,
    `${section('timesync')} timedatectl show -p NTPSynchronized --value 2>/dev/null || true`,
    `${section('units')} systemctl show -p Id -p ActiveState -p SubState -p Result -p NRestarts ${hakubeUnitsOn(c, h).map(shq).join(' ')} 2>/dev/null`,
    // A path that does not exist yet is left out by df; the root is always there.
    `${section('df')} for p in ${paths}; do [ -e "$p" ] && df -P -B1 "$p" | tail -n +2 | sed "s|^|$p |"; done`,
    `${section('dfi')} for p in ${paths}; do [ -e "$p" ] && df -P -i "$p" | tail -n +2 | sed "s|^|$p |"; done`,
  ];
  if (r.controlPlane && keepalived(c))
    lines.push(`${section('addresses')} ip -o addr show 2>/dev/null | awk '{print $4}'`);
  if (r.etcd) {
    const tls = `--cacert ${pki.etcdCa.cert} --cert ${pki.etcdHealthcheckClient.cert} --key ${pki.etcdHealthcheckClient.key}`;
    lines.push(
      `${section('etcd-metrics')} curl -s --max-time 5 ${tls} ${shq(`${LOCAL_ETCD}/metrics`)} | grep -E ${shq(`^(${ETCD_METRICS.join('|')}) `)}`,
      `${section('etcd-alarms')} ${etcdctl(LOCAL_ETCD, 'alarm list')} 2>&1; echo "exit=$?"`,
    );
  }
  if (r.controlPlane) {
    lines.push(
      `${section('readyz')} curl -s --max-time 5 --cacert ${pki.ca.cert} ${https('127.0.0.1')} 2>&1; echo`,
      // The certificate the running apiserver presents (curl ≥ 7.88 prints the chain), and the one on disk.
      `${section('served-cert')} curl -s -o /dev/null --max-time 5 --cacert ${pki.ca.cert} -w '%{certs}' ${https('127.0.0.1')}`,
      `${section('disk-cert')} cat ${pki.apiserver.cert} 2>/dev/null`,
    );
    if (keepalived(c))
      lines.push(
        // What this host's haproxy balances to, checked as haproxy checks it (/readyz, status 200).
        `${section('backends')} ${controlPlaneHosts(c)
          .map(
            (b) =>
              `echo ${shq(b.name)} $(curl -sk -o /dev/null -w '%{http_code}' --max-time 3 ${https(b.address)})`,
          )
          .join('; ')}`,
      );
  }
  if (r.node) {
    lines.push(
      `${section('kubelet-healthz')} curl -s --max-time 5 http://127.0.0.1:10248/healthz 2>&1; echo`,
      `${section('containerd')} if ${BIN_DIR}/crictl --timeout 5s info >/dev/null 2>&1; then echo ok; else echo failed; fi`,
    );
  }
  const logged = LOGGED_UNITS.filter((u) => hakubeUnitsOn(c, h).includes(u));
  if (logged.length)
    lines.push(
      `${section('log-errors')} for u in ${logged.join(' ')}; do journalctl -u "$u" --since ${shq(`-${LOG_WINDOW}`)} -o cat --no-pager 2>/dev/null | grep -E '^E[0-9]{4} ' | sed "s|^|$u |" | tail -n 200; done`,
    );
  return lines.join('\n');
}

export interface UnitState {
  unit: string;
  active: string;
  sub: string;
  result: string;
  restarts: number;
}

export interface DiskUse {
  /** The path asked about (its filesystem's use). */
  path: string;
  mount: string;
  usedPercent: number;
  /** Bytes (df) or inodes (df -i) left. */
  free: number;
}

export interface HostProbe {
  epochMs: number;
  timeSynchronized?: boolean;
  units: UnitState[];
  disk: DiskUse[];
  inodes: DiskUse[];
  addresses?: string[];
  etcd?: {
    /** Absent when /metrics did not answer. */
    hasLeader?: boolean;
    leaderChanges?: number;
    dbBytes?: number;
    quotaBytes?: number;
    alarms: string[];
    alarmsRead: boolean;
    alarmOutput: string;
  };
  controlPlane?: {
    readyz: string;
    servedCert?: string;
    diskCert?: string;
    /** Backend name → HTTP status of its /readyz as haproxy checks it ('000': no answer). */
    backends: Record<string, string>;
  };
  node?: { kubeletHealthz: string; containerdAnswers: boolean };
  /**
   * Per unit, how many `E…` lines the window holds and the last few (the latest last): the probe
   * is an activity result, kept in the history, so it carries a sample, not the journal.
   */
  logErrors: Record<string, { count: number; last: string[] }>;
}

const UNIT_NAME = /^[a-z][a-z0-9-]*\.service$/;
const STATE = /^[a-z-]*$/;

export function parseUnits(lines: string[]): UnitState[] {
  const out: UnitState[] = [];
  let cur: Record<string, string> = {};
  const flush = () => {
    if (cur.Id && UNIT_NAME.test(cur.Id))
      out.push({
        unit: cur.Id.replace(/\.service$/, ''),
        active: STATE.test(cur.ActiveState ?? '') ? (cur.ActiveState ?? '') : 'unknown',
        sub: STATE.test(cur.SubState ?? '') ? (cur.SubState ?? '') : 'unknown',
        result: STATE.test(cur.Result ?? '') ? (cur.Result ?? '') : 'unknown',
        restarts: Number(/^\d+$/.test(cur.NRestarts ?? '') ? cur.NRestarts : 0),
      });
    cur = {};
  };
  for (const line of lines) {
    if (!line.trim()) {
      flush();
      continue;
    }
    const i = line.indexOf('=');
    if (i > 0) cur[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  flush();
  return out;
}

/** `<path> <fs> <size|inodes> <used> <free> <use%> <mount>` lines (df -P, prefixed with the path asked). */
export function parseDf(lines: string[]): DiskUse[] {
  const out: DiskUse[] = [];
  for (const line of lines) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 7) continue;
    const [path, , total, used, free, , ...mount] = cols;
    const [t, u, f] = [total, used, free].map(Number);
    if (![t, u, f].every(Number.isFinite) || !path.startsWith('/')) continue;
    if (t === 0) continue; // no inode accounting on this filesystem
    out.push({ path, mount: mount.join(' '), usedPercent: Math.ceil((u / (u + f)) * 100), free: f });
  }
  return out;
}

function metric(lines: string[], name: string): number | undefined {
  const line = lines.find((l) => l.startsWith(`${name} `));
  const v = Number(line?.slice(name.length + 1).trim());
  return line && Number.isFinite(v) ? v : undefined;
}

const PEM = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/;
const firstPem = (text: string) => PEM.exec(text)?.[0].replace(/\s+/g, '');

export function parseDoctorProbe(output: string): HostProbe {
  const s = scriptSections(output);
  const get = (k: string) => s.get(k) ?? [];
  const text = (k: string) => get(k).join('\n').trim();
  const timesync = text('timesync');
  const probe: HostProbe = {
    epochMs: Number(text('time')) || 0,
    timeSynchronized: timesync === 'yes' ? true : timesync === 'no' ? false : undefined,
    units: parseUnits(get('units')),
    disk: parseDf(get('df')),
    inodes: parseDf(get('dfi')),
    logErrors: {},
  };
  if (s.has('addresses'))
    probe.addresses = get('addresses')
      .map((a) => a.trim().split('/')[0])
      .filter((a) => /^[0-9a-f.:]+$/i.test(a));
  if (s.has('etcd-metrics')) {
    const m = get('etcd-metrics');
    const hasLeader = metric(m, 'etcd_server_has_leader');
    const alarmLines = get('etcd-alarms')
      .map((l) => l.trim())
      .filter(Boolean);
    const exit = alarmLines.pop();
    probe.etcd = {
      hasLeader: hasLeader === undefined ? undefined : hasLeader === 1,
      leaderChanges: metric(m, 'etcd_server_leader_changes_seen_total'),
      dbBytes: metric(m, 'etcd_mvcc_db_total_size_in_bytes'),
      quotaBytes: metric(m, 'etcd_server_quota_backend_bytes'),
      alarmsRead: exit === 'exit=0',
      alarms: exit === 'exit=0' ? alarmLines.flatMap((l) => /alarm:([A-Z_]+)/.exec(l)?.[1] ?? []) : [],
      alarmOutput: alarmLines.join('\n'),
    };
  }
  if (s.has('readyz')) {
    const backends: Record<string, string> = {};
    for (const l of get('backends')) {
      const m = /^([a-z0-9][a-z0-9.-]*) (\d{3})$/.exec(l.trim());
      if (m) backends[m[1]] = m[2];
    }
    probe.controlPlane = {
      readyz: text('readyz'),
      servedCert: firstPem(text('served-cert')),
      diskCert: firstPem(text('disk-cert')),
      backends,
    };
  }
  if (s.has('kubelet-healthz'))
    probe.node = { kubeletHealthz: text('kubelet-healthz'), containerdAnswers: text('containerd') === 'ok' };
  for (const l of get('log-errors')) {
    const m = /^(kube-apiserver|kube-controller-manager|kube-scheduler|kubelet) (E\d{4} .*)$/.exec(l);
    if (!m) continue;
    const seen = (probe.logErrors[m[1]] ??= { count: 0, last: [] });
    seen.count++;
    seen.last = [...seen.last, m[2].slice(0, 300)].slice(-LOG_SAMPLE);
  }
  return probe;
}
