// doctor's judgement: a healthy cluster has nothing above info; each problem is named once, on
// the right host, with its evidence and a fix that is a command or a hakube operation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterView, HostLook } from '../../../cluster/doctor/cluster-findings';
import { groupFindings, needsAction } from '../../../cluster/doctor/finding';
import { parseDoctorProbe } from '../../../cluster/doctor/probe';
import { doctorReport, parseNodes } from '../../../cluster/doctor/report';
import type { CertReportRow } from '../../../cluster/pki/cert-report';
import { pkiCluster } from '../../helpers/pki-cluster';
import { probeOutput } from './fixtures';

const AT = '2026-12-06T10:00:00.000Z';
const cluster = pkiCluster();
const HOSTS = ['master-1', 'master-2', 'master-3', 'worker-1'];

function looks(
  over: Partial<Record<string, Parameters<typeof probeOutput>[0] | 'down'>> = {},
  skew: Record<string, number> = {},
): HostLook[] {
  return HOSTS.map((host, i) => {
    const o = over[host];
    if (o === 'down') return { host, error: 'connect ECONNREFUSED', at: AT };
    const vipHolder = i === 0;
    const probe = parseDoctorProbe(
      probeOutput({
        addresses: vipHolder ? undefined : ['127.0.0.1/8', `10.1.1.${11 + i}/24`],
        ...(o ?? {}),
      }),
    );
    if (host === 'worker-1') {
      delete probe.etcd;
      delete probe.controlPlane;
      delete probe.addresses;
      probe.units = probe.units.filter((u) => u.unit === 'kubelet');
      probe.units.push(
        { unit: 'kube-proxy', active: 'active', sub: 'running', result: 'success', restarts: 0 },
        { unit: 'containerd', active: 'active', sub: 'running', result: 'success', restarts: 0 },
      );
    } else {
      for (const unit of [
        'kube-proxy',
        'containerd',
        'kube-scheduler',
        'kube-controller-manager',
        'keepalived',
        'haproxy',
      ])
        probe.units.push({ unit, active: 'active', sub: 'running', result: 'success', restarts: 0 });
    }
    probe.logErrors = {};
    return { host, probe, skewMs: skew[host] ?? 3, roundTripMs: 40, at: AT };
  });
}

const nodesJson = (ready: Record<string, string> = {}, pressure: Record<string, string> = {}) =>
  JSON.stringify({
    items: HOSTS.map((name) => ({
      metadata: { name },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: ready[name] ?? 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
          },
          { type: 'DiskPressure', status: pressure[name] === 'DiskPressure' ? 'True' : 'False' },
        ],
        nodeInfo: { kubeletVersion: 'v1.37.2' },
      },
    })),
  });

const view = (o: Partial<ClusterView> = {}): ClusterView => ({
  via: 'master-1',
  at: AT,
  nodes: parseNodes(nodesJson()),
  etcdHealth: ['11', '12', '13'].map((n) => ({ endpoint: `https://10.1.1.${n}:2379`, health: true })),
  ...o,
});

const report = (l: HostLook[], v: ClusterView = view(), certificates: CertReportRow[] = []) =>
  doctorReport({ cluster, specFile: 'prod.yaml', at: AT, looks: l, view: v, certificates });

test('a healthy cluster: nothing needs action', () => {
  const r = report(looks());
  assert.deepEqual(r.findings, []);
  assert.equal(r.actionable, 0);
});

test('a stopped etcd member: the unit on its host, and the cluster still has quorum', () => {
  const l = looks({ 'master-2': {} });
  const m2 = l[1].probe;
  assert.ok(m2);
  m2.units = m2.units.map((u) => (u.unit === 'etcd' ? { ...u, active: 'inactive', sub: 'dead' } : u));
  const r = report(
    l,
    view({
      etcdHealth: [
        { endpoint: 'https://10.1.1.11:2379', health: true },
        { endpoint: 'https://10.1.1.12:2379', health: false, error: 'connection refused' },
        { endpoint: 'https://10.1.1.13:2379', health: true },
      ],
    }),
  );
  const checks = r.findings.map((f) => `${f.severity} ${f.check} ${f.host ?? '-'}`);
  assert.deepEqual(checks, ['critical unit/not-active master-2', 'error etcd/member-unhealthy -']);
  assert.match(r.findings[0].fix, /journalctl -u etcd -n 100 on master-2/);
  assert.match(r.findings[1].message, /2 of 3 healthy: 0 more may fail/);
});

test('no quorum is critical and points at restore', () => {
  const r = report(
    looks(),
    view({ etcdHealth: undefined, etcdError: 'master-1: context deadline exceeded' }),
  );
  assert.equal(r.findings[0].check, 'etcd/no-quorum');
  assert.match(r.findings[0].fix, /hakube restore -f prod\.yaml/);
});

test('a full disk, an alarm, a big database and many elections', () => {
  const r = report(
    looks({
      'master-3': {
        rootUse: [92, 8],
        alarms: 'memberID:8e9e05c52164694d alarm:NOSPACE\nexit=0',
        etcdMetrics:
          'etcd_server_has_leader 1\netcd_server_leader_changes_seen_total 12\netcd_mvcc_db_total_size_in_bytes 7.3e+09\netcd_server_quota_backend_bytes 8.589934592e+09',
      },
    }),
  );
  const checks = r.findings.map((f) => `${f.severity} ${f.check} ${f.host ?? '-'}`);
  assert.deepEqual(checks, [
    'critical etcd/alarm master-3',
    'error disk/full master-3',
    'warning etcd/db-size master-3',
    'warning etcd/leader-changes master-3',
  ]);
  assert.match(r.findings[0].fix, /alarm disarm/);
  assert.match(r.findings[1].message, /92 % full .*holds \/, \/var\/lib\/etcd/);
});

test('the VIP on no host, and on two', () => {
  const none = report(looks({ 'master-1': { addresses: ['127.0.0.1/8', '10.1.1.11/24'] } }));
  assert.deepEqual(
    none.findings.map((f) => f.check),
    ['endpoint/vip-nowhere'],
  );
  const two = report(looks({ 'master-2': { addresses: ['10.1.1.12/24', '10.1.1.10/32'] } }));
  assert.deepEqual(
    two.findings.map((f) => f.check),
    ['endpoint/vip-split'],
  );
  assert.match(two.findings[0].message, /master-1, master-2/);
});

test('one clock off is named; the others are not', () => {
  const r = report(looks({}, { 'master-3': 4_500 }));
  assert.deepEqual(
    r.findings.map((f) => `${f.severity} ${f.check} ${f.host}`),
    ['warning clock/skew master-3'],
  );
  assert.match(r.findings[0].message, /4\.5 s ahead/);
  const far = report(looks({}, { 'worker-1': -90_000 }));
  assert.equal(far.findings[0].severity, 'error');
  // Within the round trip's uncertainty: not a finding.
  assert.deepEqual(report(looks({}, { 'master-2': 1_015 })).findings, []);
});

test('an unreachable host, a NotReady node and a node under disk pressure', () => {
  const r = report(
    looks({ 'worker-1': 'down' }),
    view({ nodes: parseNodes(nodesJson({ 'worker-1': 'Unknown' }, { 'master-2': 'DiskPressure' })) }),
  );
  const checks = r.findings.map((f) => `${f.severity} ${f.check} ${f.host ?? '-'}`);
  assert.deepEqual(checks, [
    'critical host/unreachable worker-1',
    'error node/not-ready worker-1',
    'warning node/pressure master-2',
  ]);
  assert.match(r.findings[0].fix, /--host-down/);
});

test('a stale serving certificate, a backend down, a kubelet that does not answer', () => {
  const l = looks({
    'master-1': {
      servedCert: '-----BEGIN CERTIFICATE-----\nMIIOLD\n-----END CERTIFICATE-----',
      backends: 'master-1 200\nmaster-2 000\nmaster-3 200',
    },
  });
  const w = l[3].probe;
  assert.ok(w?.node);
  w.node.kubeletHealthz = '';
  const r = report(l);
  assert.deepEqual(
    r.findings.map((f) => `${f.severity} ${f.check} ${f.host ?? '-'}`),
    [
      'error kubelet/unhealthy worker-1',
      'warning apiserver/stale-certificate master-1',
      'warning endpoint/backend-down master-2',
    ],
  );
  assert.match(r.findings[2].message, /from master-1/);
});

test('certificate rows that need a person become findings; ok rows do not', () => {
  const rows: CertReportRow[] = [
    {
      host: 'master-1',
      path: '/etc/kubernetes/pki/apiserver.crt',
      sans: ['10.1.1.11'],
      status: 'expired',
      notAfter: '2026-12-01T00:00:00Z',
      daysLeft: -5,
    },
    {
      host: 'master-2',
      path: '/etc/kubernetes/pki/apiserver.crt',
      sans: [],
      status: 'wrong-sans',
      detail: 'missing 10.1.1.10',
    },
    { host: 'master-3', path: '/etc/kubernetes/pki/apiserver.crt', sans: [], status: 'ok' },
  ];
  const r = report(looks(), view(), rows);
  assert.deepEqual(
    r.findings.map((f) => `${f.severity} ${f.check} ${f.host}`),
    ['critical certificate/expired master-1', 'error certificate/wrong-sans master-2'],
  );
  assert.match(r.findings[0].fix, /hakube certs rotate -f prod\.yaml/);
  assert.match(r.findings[1].message, /missing 10\.1\.1\.10/);
});

test('the same finding on several hosts is one group naming them', () => {
  const l = looks();
  for (const x of l) if (x.probe) x.probe.timeSynchronized = false;
  const r = report(l);
  assert.equal(needsAction(r.findings).length, 0);
  const groups = groupFindings(r.findings);
  assert.equal(groups.length, 1);
  assert.deepEqual(groups[0].hosts, HOSTS);
  assert.equal(groups[0].message, 'its clock is not synchronized by NTP');
  assert.equal(groups[0].fix, 'timedatectl set-ntp true on <host> (or configure chrony)');
});

test('Node objects are read like user input', () => {
  const nodes = parseNodes(
    JSON.stringify({
      items: [
        { metadata: { name: '$(reboot)' } },
        { metadata: { name: 'ok-1' }, status: { conditions: [{ type: 'Ready', status: 'Maybe' }] } },
      ],
    }),
  );
  assert.deepEqual(nodes, [
    { name: 'ok-1', ready: 'Unknown', reason: '', message: '', pressures: [], kubeletVersion: '' },
  ]);
});
