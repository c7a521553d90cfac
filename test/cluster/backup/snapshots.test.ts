import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseEndpointStatus,
  parseSnapshotStatus,
  pickSnapshotMember,
  retentionPlan,
  snapshotId,
  type SnapshotMeta,
} from '../../../cluster/backup/snapshots';

// etcdctl 3.4/3.7 output, ids as uint64 beyond JSON's exact integers.
const STATUS_3 = `[${[
  ['11', '13668033151171901709'],
  ['12', '15118495548433857066'],
  ['13', '9223372036854775809'],
]
  .map(
    ([ip, id]) =>
      `{"Endpoint":"https://10.0.0.${ip}:2379","Status":{"header":{"cluster_id":1,"member_id":${id},"revision":4711,"raft_term":2},"version":"3.7.3","dbSize":24576,"leader":15118495548433857066,"raftIndex":5}}`,
  )
  .join(',')}]`;

test('endpoint status: uint64 ids kept exact; a follower is chosen over the leader', () => {
  const three = parseEndpointStatus(STATUS_3);
  assert.equal(three[0].memberId, '13668033151171901709');
  assert.equal(three[0].revision, 4711);
  assert.equal(three[1].memberId, three[1].leaderId);
  assert.equal(pickSnapshotMember(three)?.endpoint, 'https://10.0.0.11:2379');
  const leaderOnly = parseEndpointStatus(STATUS_3).filter((s) => s.memberId === s.leaderId);
  assert.equal(pickSnapshotMember(leaderOnly)?.endpoint, 'https://10.0.0.12:2379');
  assert.equal(pickSnapshotMember([]), undefined);
});

test('snapshot status (etcdutl) and ids that sort by time', () => {
  assert.deepEqual(
    parseSnapshotStatus('{"hash":1674744245,"revision":2,"totalKey":1,"totalSize":24576,"version":""}'),
    {
      hash: 1674744245,
      revision: 2,
      totalKeys: 1,
      totalSize: 24576,
    },
  );
  assert.throws(() => parseSnapshotStatus('{"hash":"x"}'), /not a snapshot status/);
  assert.equal(
    snapshotId('prod', new Date('2026-11-23T10:00:05.123Z'), 4711, '0a1b2c3d'),
    'etcd-prod-20261123T100005Z-r4711-0a1b2c3d',
  );
  // Two runs in the same second at the same revision get two ids.
  const at = new Date('2026-11-23T10:00:05Z');
  assert.notEqual(snapshotId('prod', at, 4711, '0a1b2c3d'), snapshotId('prod', at, 4711, 'ffee0011'));
});

test('retention keeps the newest N verified snapshots and never the newest one away', () => {
  const meta = (id: string, takenAt: string) => ({ id, takenAt }) as SnapshotMeta;
  const stored = [
    meta('b', '2026-11-23T02:00:00Z'),
    meta('d', '2026-11-23T04:00:00Z'),
    meta('a', '2026-11-23T01:00:00Z'),
    meta('c', '2026-11-23T03:00:00Z'),
  ];
  assert.deepEqual(
    retentionPlan(stored, 2).map((m) => m.id),
    ['b', 'a'],
  );
  assert.deepEqual(retentionPlan(stored, 10), []);
  assert.deepEqual(
    retentionPlan(stored, 0).map((m) => m.id),
    ['c', 'b', 'a'],
    'keep 0 still keeps the newest',
  );
});
