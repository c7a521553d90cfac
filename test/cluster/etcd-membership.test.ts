import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEndpointHealth, parseMemberList } from '../../cluster/etcdctl';
import { joiningInitialCluster, memberOf, quorumOf, removalProblems } from '../../cluster/etcd-membership';
import type { HostSpec } from '../../cluster/spec';

const host = (n: number): HostSpec => ({
  name: `master-${n}`,
  address: `10.0.0.1${n}`,
  roles: ['control-plane', 'etcd'],
});
const member = (n: number, extra = '') =>
  `{"ID":${n},"name":"master-${n}","peerURLs":["https://10.0.0.1${n}:2380"],"clientURLs":["https://10.0.0.1${n}:2379"]${extra}}`;
const list = (...members: string[]) => parseMemberList(`{"members":[${members.join(',')}]}`);
const health = (...up: number[]) =>
  parseEndpointHealth(
    JSON.stringify(
      [1, 2, 3, 4, 5].map((n) => ({ endpoint: `https://10.0.0.1${n}:2379`, health: up.includes(n) })),
    ),
  );

test('a host is found by its peer URL, also as a learner that never started (no name yet)', () => {
  const members = list(
    member(1),
    member(2),
    '{"ID":4,"peerURLs":["https://10.0.0.14:2380"],"isLearner":true}',
  );
  assert.equal(memberOf(members, host(4))?.id, '4');
  assert.equal(memberOf(members, host(4))?.isLearner, true);
  assert.equal(memberOf(members, host(3)), undefined);
});

test('a joining member starts with exactly the member list as its initial cluster', () => {
  const members = list(
    member(1),
    member(2),
    member(3),
    '{"ID":4,"peerURLs":["https://10.0.0.14:2380"],"isLearner":true}',
  );
  assert.equal(
    joiningInitialCluster(members, host(4)),
    'master-1=https://10.0.0.11:2380,master-2=https://10.0.0.12:2380,master-3=https://10.0.0.13:2380,master-4=https://10.0.0.14:2380',
  );
  // Another member added and never started blocks the join: etcd would refuse the list.
  const stale = list(
    member(1),
    '{"ID":5,"peerURLs":["https://10.0.0.15:2380"]}',
    '{"ID":4,"peerURLs":["https://10.0.0.14:2380"]}',
  );
  assert.throws(
    () => joiningInitialCluster(stale, host(4)),
    /5 \(https:\/\/10\.0\.0\.15:2380\) was added but never started/,
  );
});

test('quorum is a majority of the voting members', () => {
  assert.deepEqual([1, 2, 3, 4, 5].map(quorumOf), [1, 2, 2, 3, 3]);
});

test('removal: safe while the members left make a quorum of the smaller cluster', () => {
  const five = list(member(1), member(2), member(3), member(4), member(5));
  assert.deepEqual(removalProblems(five, health(1, 2, 3, 4, 5), host(5)), []);
  // 4 left, 3 of them healthy: quorum of 4 is 3.
  assert.deepEqual(removalProblems(five, health(1, 2, 3, 5), host(5)), []);
  const three = list(member(1), member(2), member(3));
  // Removing the one that is down from 3 leaves 2 healthy of 2.
  assert.deepEqual(removalProblems(three, health(1, 2), host(3)), []);
});

test('removal: refused when it would break quorum, when the cluster is not quorate, or for the last member', () => {
  const three = list(member(1), member(2), member(3));
  assert.deepEqual(removalProblems(three, health(1, 3), host(1)), [
    'after the removal 1 of 2 members would be healthy (a quorum needs 2)',
  ]);
  assert.match(removalProblems(three, health(1), host(3)).join('\n'), /not quorate now: 1 of 3/);
  assert.match(removalProblems(list(member(1)), health(1), host(1)).join('\n'), /last etcd member/);
  // A learner does not vote: it counts neither for quorum nor as a healthy member.
  const withLearner = list(member(1), member(2), member(3, ',"isLearner":true'));
  assert.deepEqual(removalProblems(withLearner, health(1, 2, 3), host(3)), []);
  // Two voters and a learner: removing a voter leaves one voter, healthy, which is its own quorum.
  assert.deepEqual(removalProblems(withLearner, health(1, 2, 3), host(2)), []);
  // A host without a member: nothing to remove, nothing at risk.
  assert.deepEqual(removalProblems(three, health(1), host(4)), []);
});
