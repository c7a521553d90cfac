import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  caRotationPaths,
  caRotationPlan,
  leavesSignedBy,
  rotatedCa,
  trustingHosts,
  unitsTrusting,
} from '../../../cluster/pki/ca-rotation';
import { unitsFor } from '../../../cluster/pki/rotation';
import { hostByName } from '../../../cluster/topology';
import { smallCluster } from '../../helpers/small-cluster';

const cluster = () => smallCluster('ca');

test('the etcd CA: trusted by etcd and control-plane hosts, kept and staged next to its own files', () => {
  const c = cluster();
  assert.deepEqual(
    trustingHosts(c, 'etcd-ca').map((h) => h.name),
    ['master-1', 'master-2', 'master-3'],
  );
  assert.deepEqual(caRotationPaths(rotatedCa(c, 'etcd-ca'), '20261123T150000Z'), {
    oldCert: '/etc/kubernetes/pki/etcd/ca.crt.before-ca-rotation-20261123T150000Z',
    oldKey: '/etc/kubernetes/pki/etcd/ca.key.before-ca-rotation-20261123T150000Z',
    newCert: '/etc/kubernetes/pki/etcd/ca.crt.new-20261123T150000Z',
    newKey: '/etc/kubernetes/pki/etcd/ca.key.new-20261123T150000Z',
  });
});

test('its leaves on a member, and what restarts after the trust changes and the re-issue', () => {
  const c = cluster();
  const m2 = hostByName(c, 'master-2');
  const leaves = leavesSignedBy(c, 'etcd-ca', m2);
  assert.deepEqual(leaves, [
    'certs/etcd-server/master-2',
    'certs/etcd-peer/master-2',
    'certs/etcd-healthcheck-client/master-2',
    'certs/apiserver-etcd-client/master-2',
  ]);
  assert.deepEqual(unitsFor(leaves), ['etcd', 'kube-apiserver']);
  assert.deepEqual(unitsTrusting('etcd-ca', m2), ['etcd', 'kube-apiserver']);
  assert.deepEqual(leavesSignedBy(c, 'etcd-ca', hostByName(c, 'worker-1')), []);
});

test('the plan a person approves: stage, trust both, switch the signer, re-issue, trust only the new', () => {
  const plan = caRotationPlan(cluster(), 'etcd-ca', '20261123T150000Z');
  assert.equal(plan.length, 6);
  assert.match(
    plan[0],
    /^1\. on master-1: keep the current etcd-ca as .*before-ca-rotation-20261123T150000Z/,
  );
  assert.match(
    plan[1],
    /^2\. on master-1, master-2, master-3, one at a time: .* trusts the old and the new CA/,
  );
  assert.match(plan[4], /^5\. .* trusts only the new CA/);
  assert.match(plan[5], /refused after step 5/);
});
