import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  etcdutlRestoreCommand,
  memberRestorePaths,
  parseCountFields,
  restoreClusterToken,
  restoredRevision,
  restoreMarkerPath,
  restoreMismatches,
  restorePlan,
  restoreStamp,
  RESTORE_BUMP_REVISION,
} from '../../../cluster/backup/restore';
import type { SnapshotMeta } from '../../../cluster/backup/snapshots';
import { hostByName } from '../../../cluster/topology';
import { pkiCluster } from '../../helpers/pki-cluster';

const META: SnapshotMeta = {
  id: 'etcd-pki-20261123T100000Z-r4711-0a1b2c3d',
  cluster: 'pki',
  member: 'master-2',
  revision: 4711,
  totalKeys: 5120,
  liveKeys: 1234,
  sizeBytes: 3_145_728,
  sha256: 'ab'.repeat(32),
  etcdHash: 1674744245,
  etcdVersion: '3.7.3',
  takenAt: '2026-11-23T10:00:00.123Z',
};

test('names a restore leaves: stamp, staging / aside / failed dirs, token, marker', () => {
  const stamp = restoreStamp(new Date('2026-11-23T10:45:00.987Z'));
  assert.equal(stamp, '20261123T104500Z');
  assert.deepEqual(memberRestorePaths('/var/lib/etcd', stamp), {
    dataDir: '/var/lib/etcd',
    staging: '/var/lib/etcd.restoring-20261123T104500Z',
    aside: '/var/lib/etcd.before-restore-20261123T104500Z',
    failed: '/var/lib/etcd.failed-restore-20261123T104500Z',
  });
  assert.equal(restoreClusterToken(pkiCluster(), stamp), 'hakube-pki-restore-20261123T104500Z');
  // A run id is a UUID; anything else that could reach a path is flattened.
  assert.equal(restoreMarkerPath('0192-ab/../x'), '/var/lib/hakube/restore/0192-ab_.._x.json');
});

test("etcdutl restore: the member's name and peer URL, the full initial cluster, a new token, the revision bumped, every value quoted", () => {
  const c = pkiCluster();
  const cmd = etcdutlRestoreCommand(
    c,
    hostByName(c, 'master-2'),
    '/s.db',
    '/var/lib/etcd.restoring-x',
    'tok',
  );
  assert.equal(
    cmd,
    [
      "/usr/local/bin/etcdutl snapshot restore '/s.db'",
      "--name='master-2'",
      "--data-dir='/var/lib/etcd.restoring-x'",
      "--initial-cluster='master-1=https://10.1.1.11:2380,master-2=https://10.1.1.12:2380,master-3=https://10.1.1.13:2380'",
      "--initial-cluster-token='tok'",
      "--initial-advertise-peer-urls='https://10.1.1.12:2380'",
      `--bump-revision=${RESTORE_BUMP_REVISION}`,
      '--mark-compacted',
    ].join(' '),
  );
});

test('the plan names the snapshot, every host it stops, and where the old data goes', () => {
  const plan = restorePlan(pkiCluster(), META, '20261123T104500Z');
  assert.match(plan[0], /etcd-pki-20261123T100000Z-r4711-0a1b2c3d: revision 4711, 1234 keys/);
  assert.ok(plan.some((l) => /stop kube-apiserver.*on master-1, master-2, master-3$/.test(l)));
  assert.ok(plan.some((l) => l.includes('/var/lib/etcd.before-restore-20261123T104500Z (kept)')));
  assert.ok(plan.some((l) => l.includes(`revision ${4711 + RESTORE_BUMP_REVISION} with 1234 keys`)));
  // worker-1 is no member: nothing is copied to or stopped on it.
  assert.ok(plan.every((l) => !l.includes('worker-1')));
  const older = restorePlan(pkiCluster(), { ...META, liveKeys: undefined }, 's');
  assert.match(older[0], /5120 keys in the db/);
});

test('the restored members are checked against the snapshot', () => {
  const want = restoredRevision(META);
  const ok = ['master-1', 'master-2', 'master-3'].map((member) => ({ member, revision: want, keys: 1234 }));
  assert.deepEqual(restoreMismatches(META, ok), []);
  // Leases expiring after the start move the revision on; that is fine.
  assert.deepEqual(restoreMismatches(META, [{ member: 'master-1', revision: want + 7, keys: 1234 }]), []);
  assert.deepEqual(
    restoreMismatches(META, [
      { member: 'master-1', revision: 4711, keys: 1234 },
      { member: 'master-2', revision: want, keys: 1000 },
    ]),
    [
      `master-1: revision 4711, expected at least ${want}`,
      `master-2: 1000 keys at revision ${want}, the snapshot has 1234`,
      'members disagree: master-1 1234 keys, master-2 1000 keys',
    ],
  );
  // Without a recorded key count only agreement between members is checked.
  const noCount = { ...META, liveKeys: undefined };
  assert.deepEqual(restoreMismatches(noCount, [{ member: 'm', revision: want, keys: 9 }]), []);
});

test('etcdctl --count-only -w fields', () => {
  assert.equal(parseCountFields('"ClusterID" : 1\n"Count" : 1000\n"More" : false\n'), 1000);
  assert.throws(() => parseCountFields('Error: context deadline exceeded'), /no count/);
});
