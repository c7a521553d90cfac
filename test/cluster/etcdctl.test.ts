import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdHealthProblems, parseEndpointHealth, parseMemberList } from '../../cluster/etcdctl';

// `member list -w json` right after a restore: master-3's member has never started, so it has
// peer URLs but no client URLs (and no name until it publishes itself).
const MEMBERS = parseMemberList(
  '{"members":[' +
    '{"ID":1,"name":"master-1","peerURLs":["https://10.0.0.11:2380"],"clientURLs":["https://10.0.0.11:2379"]},' +
    '{"ID":2,"name":"master-2","peerURLs":["https://10.0.0.12:2380"],"clientURLs":["https://10.0.0.12:2379"]},' +
    '{"ID":18446744073709551615,"peerURLs":["https://10.0.0.13:2380"]}]}',
);
// `endpoint health --cluster` then asks only the two client URLs it knows: both healthy.
const HEALTH = parseEndpointHealth(
  '[{"endpoint":"https://10.0.0.11:2379","health":true},{"endpoint":"https://10.0.0.12:2379","health":true}]',
);

test('a member that never started is a health problem, not skipped', () => {
  assert.equal(MEMBERS[2].id, 'ffffffffffffffff');
  assert.deepEqual(etcdHealthProblems(MEMBERS, HEALTH, 3), ['ffffffffffffffff (not started: no client URL)']);
});

test('failing endpoints and a wrong member count are problems; a healthy cluster has none', () => {
  const sick = parseEndpointHealth(
    '[{"endpoint":"https://10.0.0.11:2379","health":false,"error":"context deadline exceeded"}]',
  );
  assert.deepEqual(etcdHealthProblems(MEMBERS.slice(0, 2), sick, 3), [
    'https://10.0.0.11:2379 (context deadline exceeded)',
    '2 members, expected 3',
  ]);
  assert.deepEqual(etcdHealthProblems(MEMBERS.slice(0, 2), HEALTH, 2), []);
  assert.deepEqual(etcdHealthProblems(MEMBERS.slice(0, 2), HEALTH), []);
});
