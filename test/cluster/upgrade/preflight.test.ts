// An upgrade's preflight judged at once from what it read: bundle, etcd, certificates, backup target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  evaluateUpgradePreflight,
  ETCD_QUOTA_BYTES,
  type UpgradeFacts,
} from '../../../cluster/upgrade/preflight';
import type { ProbeResult } from '../../../cluster/upgrade/probe';
import { pkiCluster } from '../../helpers/pki-cluster';

const cluster = pkiCluster();
const probe = (host: string, v: string, cp: boolean): ProbeResult => ({
  host,
  versions: cp
    ? { 'kube-apiserver': v, kubelet: v, 'kube-proxy': v, etcd: 'v3.7.3' }
    : { kubelet: v, 'kube-proxy': v },
  outdated: [],
  running: {},
});
const member = (i: number, dbSize = 2 ** 20) => ({
  endpoint: `https://10.1.1.1${i}:2379`,
  memberId: String(i),
  leaderId: '1',
  revision: 5,
  dbSize,
  version: '3.7.3',
});

function facts(extra: Partial<UpgradeFacts> = {}): UpgradeFacts {
  return {
    cluster,
    to: 'v1.37.2',
    versions: [
      probe('master-1', 'v1.37.2', true),
      probe('master-2', 'v1.36.3', true),
      probe('master-3', 'v1.36.3', true),
      probe('worker-1', 'v1.36.3', false),
    ],
    bundle: {
      kubernetesVersion: 'v1.37.2',
      components: [{ name: 'etcd', version: 'v3.7.3', source: 'source' }],
    },
    etcd: [member(1), member(2), member(3)],
    certificates: [],
    snapshotWanted: false,
    ...extra,
  };
}

test('a healthy cluster passes; hosts already at the target are named current', () => {
  const r = evaluateUpgradePreflight(facts());
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.current, ['master-1']);
  assert.equal(r.from, 'v1.36.3');
});

test('a bundle of another version, a member down, a full etcd, an expiring certificate and no backup target are each refused', () => {
  const r = evaluateUpgradePreflight(
    facts({
      bundle: { kubernetesVersion: 'v1.37.1', components: [] },
      etcd: [member(1, 0.9 * ETCD_QUOTA_BYTES), member(2)],
      certificates: [
        {
          host: 'master-2',
          path: '/etc/kubernetes/pki/apiserver.crt',
          sans: [],
          status: 'renew-soon',
          daysLeft: 3,
        },
      ],
      snapshotWanted: true,
    }),
  );
  const text = r.errors.join('\n');
  assert.match(text, /carries Kubernetes v1\.37\.1, not v1\.37\.2/);
  assert.match(text, /2 of 3 etcd members answered/);
  assert.match(text, /db \d+ MiB is 90 % of its quota/);
  assert.match(text, /master-2: \/etc\/kubernetes\/pki\/apiserver\.crt expires in 3 days/);
  assert.match(text, /spec\.etcd\.backup names no backup target/);
});

test('a host whose etcd differs from the bundled one is not current', () => {
  const r = evaluateUpgradePreflight(
    facts({
      bundle: {
        kubernetesVersion: 'v1.37.2',
        components: [{ name: 'etcd', version: 'v3.7.4', source: 'source' }],
      },
    }),
  );
  assert.deepEqual(r.current, []);
});
