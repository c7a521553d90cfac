// Findings about one host, from its probe (probe.ts). Pure.
import { etcdctl, LOCAL_ETCD } from '../etcdctl';
import type { Cluster, HostSpec } from '../spec';
import { hakubeUnitsOn } from '../plan/reset';
import { apiserverPort } from '../topology';
import { excerpt, type Evidence, type Finding } from './finding';
import { LOG_WINDOW, type DiskUse, type HostProbe } from './probe';

/** kubelet's default image garbage collection starts at 85 %; its hard eviction at 10 % free. */
export const DISK_WARN_PERCENT = 85;
export const DISK_ERROR_PERCENT = 90;
/** etcd refuses writes (alarm NOSPACE) at its quota; compaction and defrag well before that. */
export const ETCD_DB_WARN_SHARE = 0.8;
/** Leader elections since etcd started that point at slow disks or a flaky network. */
export const LEADER_CHANGES_WARN = 10;

export interface HostContext {
  cluster: Cluster;
  host: HostSpec;
  /** When the probe ran (ISO 8601), for the evidence. */
  at: string;
  /** The spec file's name as the user gave it, for fixes (`hakube certs rotate -f FILE`). */
  specFile: string;
}

const on = (x: HostContext, source: string, output: string): Evidence => ({
  source: `${x.host.name}$ ${source}`,
  output: excerpt(output),
  at: x.at,
});

function unitFindings(x: HostContext, p: HostProbe): Finding[] {
  const h = x.host.name;
  const out: Finding[] = [];
  const seen = new Map(p.units.map((u) => [u.unit, u]));
  for (const unit of hakubeUnitsOn(x.cluster, x.host)) {
    const u = seen.get(unit);
    const state = u ? `${u.active} (${u.sub}), result ${u.result}, ${u.restarts} restarts` : 'not found';
    const evidence = [
      on(x, `systemctl show -p ActiveState -p SubState -p Result -p NRestarts ${unit}`, state),
    ];
    if (!u || u.active !== 'active') {
      out.push({
        check: 'unit/not-active',
        severity: unit === 'etcd' || unit === 'kube-apiserver' ? 'critical' : 'error',
        host: h,
        message: `${h}: ${unit} is ${u ? u.active : 'not installed'}`,
        evidence,
        fix: u
          ? `journalctl -u ${unit} -n 100 on ${h} for why; then systemctl restart ${unit} on ${h} (or hakube install -f ${x.specFile}, which ensures every unit)`
          : `hakube install -f ${x.specFile} (it installs and starts ${unit} on ${h})`,
      });
    } else if (u.restarts >= 3) {
      out.push({
        check: 'unit/restarting',
        severity: 'warning',
        host: h,
        message: `${h}: ${unit} runs but was restarted ${u.restarts} times by systemd`,
        evidence,
        fix: `journalctl -u ${unit} -n 200 on ${h}: find why it exits`,
      });
    }
  }
  return out;
}

function diskFindings(x: HostContext, uses: DiskUse[], what: 'space' | 'inodes'): Finding[] {
  const h = x.host.name;
  const byMount = new Map<string, DiskUse[]>();
  for (const u of uses) byMount.set(u.mount, [...(byMount.get(u.mount) ?? []), u]);
  const out: Finding[] = [];
  for (const [mount, list] of byMount) {
    const u = list[0];
    if (u.usedPercent < DISK_WARN_PERCENT) continue;
    const paths = list.map((l) => l.path).join(', ');
    out.push({
      check: what === 'space' ? 'disk/full' : 'disk/inodes',
      severity: u.usedPercent >= DISK_ERROR_PERCENT ? 'error' : 'warning',
      host: h,
      message: `${h}: ${mount} is ${u.usedPercent} % full (${what === 'space' ? 'space' : 'inodes'}; holds ${paths})`,
      evidence: [
        on(
          x,
          `df -P ${what === 'inodes' ? '-i ' : ''}${paths}`,
          `${u.usedPercent} % used, ${u.free} ${what === 'space' ? 'bytes' : 'inodes'} free on ${mount}`,
        ),
      ],
      fix:
        `free ${what === 'space' ? 'space' : 'inodes'} on ${h}:${mount} — unused images: crictl rmi --prune; ` +
        'old logs: journalctl --vacuum-size=500M; etcd data: hakube backup, then compaction and defrag. ' +
        `kubelet evicts pods below 10 % free and removes images above ${DISK_WARN_PERCENT} %`,
    });
  }
  return out;
}

function etcdFindings(x: HostContext, p: HostProbe): Finding[] {
  const e = p.etcd;
  if (!e) return [];
  const h = x.host.name;
  const out: Finding[] = [];
  const metricsSource = 'curl https://127.0.0.1:2379/metrics (etcd_server_has_leader, …)';
  const running = p.units.find((u) => u.unit === 'etcd')?.active === 'active';
  if (running && e.hasLeader === false)
    out.push({
      check: 'etcd/no-leader',
      severity: 'critical',
      host: h,
      message: `${h}: its etcd member sees no leader (no quorum, or this member is cut off)`,
      evidence: [on(x, metricsSource, 'etcd_server_has_leader 0')],
      fix:
        'bring the other members back (systemctl start etcd on them; check the network between etcd hosts on port 2380). ' +
        `If a majority is lost for good: hakube restore -f ${x.specFile} from the last backup`,
    });
  for (const alarm of e.alarms)
    out.push({
      check: 'etcd/alarm',
      severity: 'critical',
      host: h,
      message: `${h}: etcd alarm ${alarm} is raised (${alarm === 'NOSPACE' ? 'the cluster refuses writes' : 'data may be corrupt'})`,
      evidence: [on(x, 'etcdctl alarm list', e.alarmOutput)],
      fix:
        alarm === 'NOSPACE'
          ? `compact and defragment, then disarm: ${etcdctl(LOCAL_ETCD, 'defrag')} and ${etcdctl(LOCAL_ETCD, 'alarm disarm')} on ${h}`
          : `take the member out and back in: hakube node remove --node ${h}, then hakube node add; or hakube restore -f ${x.specFile}`,
    });
  if (e.dbBytes !== undefined && e.quotaBytes) {
    const share = e.dbBytes / e.quotaBytes;
    if (share >= ETCD_DB_WARN_SHARE)
      out.push({
        check: 'etcd/db-size',
        severity: share >= 0.95 ? 'error' : 'warning',
        host: h,
        message: `${h}: etcd's database is ${(share * 100).toFixed(0)} % of its quota (${(e.dbBytes / 2 ** 20).toFixed(0)} of ${(e.quotaBytes / 2 ** 20).toFixed(0)} MiB); at 100 % etcd refuses writes`,
        evidence: [
          on(
            x,
            metricsSource,
            `etcd_mvcc_db_total_size_in_bytes ${e.dbBytes}\netcd_server_quota_backend_bytes ${e.quotaBytes}`,
          ),
        ],
        fix: `defragment: ${etcdctl(LOCAL_ETCD, 'defrag')} on ${h} (one member at a time); find what writes so much (events, large objects)`,
      });
  }
  if (e.leaderChanges !== undefined && e.leaderChanges >= LEADER_CHANGES_WARN)
    out.push({
      check: 'etcd/leader-changes',
      severity: 'warning',
      host: h,
      message: `${h}: etcd saw ${e.leaderChanges} leader changes since it started (slow disk fsync or a flaky network between members)`,
      evidence: [on(x, metricsSource, `etcd_server_leader_changes_seen_total ${e.leaderChanges}`)],
      fix: `check disk latency of ${x.cluster.spec.etcd.dataDir} on ${h} (etcd wants fsync under 10 ms) and packet loss between etcd hosts`,
    });
  if (running && e.hasLeader === undefined)
    out.push({
      check: 'etcd/no-answer',
      severity: 'error',
      host: h,
      message: `${h}: etcd runs but its /metrics does not answer on 127.0.0.1:2379`,
      evidence: [on(x, metricsSource, 'no answer')],
      fix: `journalctl -u etcd -n 100 on ${h}`,
    });
  return out;
}

function controlPlaneFindings(x: HostContext, p: HostProbe): Finding[] {
  const cp = p.controlPlane;
  if (!cp) return [];
  const h = x.host.name;
  const port = apiserverPort(x.cluster);
  const out: Finding[] = [];
  const running = p.units.find((u) => u.unit === 'kube-apiserver')?.active === 'active';
  if (running && cp.readyz !== 'ok')
    out.push({
      check: 'apiserver/not-ready',
      severity: 'error',
      host: h,
      message: `${h}: kube-apiserver runs but its /readyz does not answer ok`,
      evidence: [
        on(
          x,
          `curl --cacert /etc/kubernetes/pki/ca.crt https://127.0.0.1:${port}/readyz`,
          cp.readyz || 'no answer',
        ),
      ],
      fix: `curl -k 'https://127.0.0.1:${port}/readyz?verbose' on ${h} names the failing check; journalctl -u kube-apiserver -n 100`,
    });
  if (cp.servedCert && cp.diskCert && cp.servedCert !== cp.diskCert)
    out.push({
      check: 'apiserver/stale-certificate',
      severity: 'warning',
      host: h,
      message: `${h}: kube-apiserver presents another serving certificate than the one on disk (renewed but not restarted)`,
      evidence: [
        on(x, `curl -w '%{certs}' https://127.0.0.1:${port}`, `${cp.servedCert.slice(27, 87)}…`),
        on(x, 'cat /etc/kubernetes/pki/apiserver.crt', `${cp.diskCert.slice(27, 87)}…`),
      ],
      fix: `hakube certs rotate -f ${x.specFile} (restarts apiservers one at a time behind their gates), or systemctl restart kube-apiserver on ${h}`,
    });
  for (const [backend, status] of Object.entries(cp.backends))
    if (status !== '200')
      out.push({
        check: 'endpoint/backend-down',
        severity: 'warning',
        host: backend,
        message: `${backend}: its apiserver fails haproxy's check from ${h} (/readyz answered ${status === '000' ? 'nothing' : status})`,
        evidence: [
          on(x, `curl -k https://${backend}:${port}/readyz (as haproxy checks it)`, `HTTP ${status}`),
        ],
        fix: `see the apiserver on ${backend}: systemctl status kube-apiserver; journalctl -u kube-apiserver -n 100`,
      });
  return out;
}

function nodeFindings(x: HostContext, p: HostProbe): Finding[] {
  const n = p.node;
  if (!n) return [];
  const h = x.host.name;
  const out: Finding[] = [];
  const active = (unit: string) => p.units.find((u) => u.unit === unit)?.active === 'active';
  if (active('kubelet') && n.kubeletHealthz !== 'ok')
    out.push({
      check: 'kubelet/unhealthy',
      severity: 'error',
      host: h,
      message: `${h}: kubelet runs but its /healthz does not answer ok`,
      evidence: [on(x, 'curl http://127.0.0.1:10248/healthz', n.kubeletHealthz || 'no answer')],
      fix: `journalctl -u kubelet -n 100 on ${h}`,
    });
  if (active('containerd') && !n.containerdAnswers)
    out.push({
      check: 'containerd/unhealthy',
      severity: 'error',
      host: h,
      message: `${h}: containerd runs but does not answer crictl info`,
      evidence: [on(x, 'crictl --timeout 5s info', 'failed')],
      fix: `journalctl -u containerd -n 100 on ${h}; systemctl restart containerd`,
    });
  return out;
}

/** Error lines in the journal: worth a look, rarely the cause on their own (info). */
function logFindings(x: HostContext, p: HostProbe): Finding[] {
  const h = x.host.name;
  return Object.entries(p.logErrors)
    .filter(([, seen]) => seen.count > 0)
    .map(([unit, seen]) => ({
      check: 'logs/errors',
      severity: 'info' as const,
      host: h,
      // The count is evidence, not message: the same unit's errors on several hosts group.
      message: `${h}: ${unit} logged error lines in the last ${LOG_WINDOW}`,
      evidence: [
        on(
          x,
          `journalctl -u ${unit} --since -${LOG_WINDOW} | grep '^E'`,
          `${seen.count} line(s), the last ones:\n${seen.last.join('\n')}`,
        ),
      ],
      fix: `journalctl -u ${unit} --since -${LOG_WINDOW} on ${h}`,
    }));
}

function timeSyncFindings(x: HostContext, p: HostProbe): Finding[] {
  if (p.timeSynchronized !== false) return [];
  const h = x.host.name;
  return [
    {
      check: 'clock/not-synchronized',
      severity: 'info',
      host: h,
      message: `${h}: its clock is not synchronized by NTP`,
      evidence: [on(x, 'timedatectl show -p NTPSynchronized --value', 'no')],
      fix: `timedatectl set-ntp true on ${h} (or configure chrony)`,
    },
  ];
}

export function hostFindings(x: HostContext, p: HostProbe): Finding[] {
  return [
    ...unitFindings(x, p),
    ...diskFindings(x, p.disk, 'space'),
    ...diskFindings(x, p.inodes, 'inodes'),
    ...etcdFindings(x, p),
    ...controlPlaneFindings(x, p),
    ...nodeFindings(x, p),
    ...logFindings(x, p),
    ...timeSyncFindings(x, p),
  ];
}
