import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CertReportRow } from '../../../cluster/pki/cert-report';
import {
  onlyKinds,
  parseServedSerial,
  rolloutOrder,
  rotationPlan,
  sameSerial,
  selectRenewals,
  unitsFor,
} from '../../../cluster/pki/rotation';
import { smallCluster } from '../../helpers/small-cluster';

const cluster = () => smallCluster('rot');

const row = (
  host: string,
  profile: string | undefined,
  status: CertReportRow['status'],
  daysLeft = 200,
): CertReportRow => ({
  host,
  path: `/etc/kubernetes/pki/${profile?.split('/')[1] ?? 'other'}.crt`,
  profile,
  sans: [],
  status,
  daysLeft,
});

const ROWS: CertReportRow[] = [
  row('worker-1', 'kubeconfig/kube-proxy/worker-1', 'renew-soon', 1),
  row('master-1', 'certs/apiserver/master-1', 'ok'),
  row('master-1', 'certs/etcd-server/master-1', 'renew-soon', 1),
  row('master-1', 'kubeconfig/scheduler/master-1', 'expired', -2),
  row('master-1', 'certs/ca', 'renew-soon', 3), // a CA: rotated by the CA rotation, never here
  row('master-1', undefined, 'renew-soon', 3), // found outside the table (kubelet's own)
  row('master-2', 'certs/etcd-peer/master-2', 'missing'),
  row('master-3', 'certs/apiserver/master-3', 'ok'),
];

test('renewals: leaves inside renewBefore or expired, per host, control-plane and etcd hosts first', () => {
  const r = selectRenewals(cluster(), ROWS);
  assert.deepEqual(
    r.map((h) => [h.host, h.profiles, h.restart]),
    [
      [
        'master-1',
        ['certs/etcd-server/master-1', 'kubeconfig/scheduler/master-1'],
        ['etcd', 'kube-scheduler'],
      ],
      ['worker-1', ['kubeconfig/kube-proxy/worker-1'], ['kube-proxy']],
    ],
  );
  assert.match(r[0].why.join(), /renew-soon, 1 days left/);
});

test('renewals: --force takes every leaf present; --only narrows to kinds', () => {
  const all = selectRenewals(cluster(), ROWS, { force: true });
  assert.deepEqual(
    all.map((h) => h.host),
    ['master-1', 'master-3', 'worker-1'],
  );
  assert.deepEqual(all[0].profiles, [
    'certs/apiserver/master-1',
    'certs/etcd-server/master-1',
    'kubeconfig/scheduler/master-1',
  ]);
  assert.deepEqual(all[0].restart, ['etcd', 'kube-apiserver', 'kube-scheduler']);
  const only = selectRenewals(cluster(), ROWS, { force: true, only: ['apiserver'] });
  assert.deepEqual(
    only.map((h) => [h.host, h.profiles]),
    [
      ['master-1', ['certs/apiserver/master-1']],
      ['master-3', ['certs/apiserver/master-3']],
    ],
  );
});

test('--only kinds: with or without the certs/ prefix; unknown kinds are reported', () => {
  assert.deepEqual(onlyKinds(['apiserver', 'kubeconfig/admin', 'ca', 'etcd']), {
    kinds: ['certs/apiserver', 'kubeconfig/admin', 'certs/ca', 'certs/etcd'],
    unknown: ['ca', 'etcd'],
  });
});

test('restart order: etcd, apiserver, then its clients; CLI credentials restart nothing', () => {
  assert.deepEqual(
    unitsFor([
      'kubeconfig/kube-proxy/w',
      'certs/front-proxy-client/m',
      'certs/etcd-peer/m',
      'kubeconfig/admin/m',
    ]),
    ['etcd', 'kube-apiserver', 'kube-proxy'],
  );
  assert.deepEqual(unitsFor(['kubeconfig/admin/m', 'certs/etcd-healthcheck-client/m']), []);
  assert.deepEqual(
    rolloutOrder(cluster()).map((h) => h.name),
    ['master-1', 'master-2', 'master-3', 'worker-1'],
  );
});

test('the plan names every host, what is renewed and restarted, and where the old ones stay', () => {
  const plan = rotationPlan(selectRenewals(cluster(), ROWS), '20261123T140000Z');
  assert.match(plan[0], /^1\. master-1: renew .*etcd-server.*restart etcd, kube-scheduler; then gate/);
  assert.match(plan.at(-1) ?? '', /<path>\.before-rotate-20261123T140000Z; a failed gate puts them back/);
});

test('served serials: read from curl --write-out %{certs}, compared without case or leading zeros', () => {
  const out =
    'Subject:CN = kube-apiserver\nIssuer:CN = kubernetes\nVersion:2\nSerial Number:0a:1b:2c\nSignature Algorithm:ecdsa\nSerial Number:ff\n';
  assert.equal(parseServedSerial(out), '0a1b2c');
  assert.ok(sameSerial('0A1B2C', 'a1b2c'));
  assert.ok(!sameSerial('0a1b2c', '0a1b2d'));
  assert.equal(parseServedSerial('curl: (7) Failed to connect'), undefined);
});
