import { test } from 'node:test';
import assert from 'node:assert/strict';
import { casFor, kubeconfigProfilesFor, leafProfilesFor } from '../../../cluster/pki/profiles';
import { hostByName } from '../../../cluster/topology';
import { pkiCluster } from '../../helpers/pki-cluster';

test('apiserver SANs: every control-plane IP and name, the VIP, the first service IP, the kubernetes names', () => {
  const c = pkiCluster();
  const api = leafProfilesFor(c, hostByName(c, 'master-2')).find((p) => p.name === 'certs/apiserver');
  assert.ok(api);
  for (const ip of ['10.1.1.11', '10.1.1.12', '10.1.1.13', '10.1.1.10', '10.96.0.1', '127.0.0.1'])
    assert.ok(api.ipAddresses.includes(ip), ip);
  for (const dns of [
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.corp.local',
    'master-1',
    'localhost',
  ]) {
    assert.ok(api.dnsNames.includes(dns), dns);
  }
  assert.deepEqual(api.usages, ['serverAuth']);
});

test('etcd server and peer certificates name their own member', () => {
  const c = pkiCluster();
  const profiles = leafProfilesFor(c, hostByName(c, 'master-3'));
  const server = profiles.find((p) => p.name === 'certs/etcd-server');
  assert.deepEqual(server?.ipAddresses, ['10.1.1.13', '127.0.0.1']);
  assert.deepEqual(server?.dnsNames, ['master-3', 'localhost']);
  assert.equal(server?.signer, 'etcd-ca');
  assert.ok(profiles.some((p) => p.name === 'certs/etcd-peer'));
});

test('workers get no control-plane or etcd material; only the Kubernetes CA and kube-proxy kubeconfig', () => {
  const c = pkiCluster();
  const w = hostByName(c, 'worker-1');
  assert.deepEqual(leafProfilesFor(c, w), []);
  assert.deepEqual(casFor(w), { certs: ['kubernetes-ca'], keys: [], serviceAccountKey: false });
  assert.deepEqual(
    kubeconfigProfilesFor(c, w).map((k) => k.name),
    ['kubeconfig/kube-proxy'],
  );
});

test('client identities: controller-manager and scheduler CN = O, admin in system:masters', () => {
  const c = pkiCluster();
  const kcs = kubeconfigProfilesFor(c, hostByName(c, 'master-1'));
  const byName = Object.fromEntries(kcs.map((k) => [k.name, k]));
  assert.deepEqual(byName['kubeconfig/controller-manager'].organizations, [
    byName['kubeconfig/controller-manager'].commonName,
  ]);
  assert.equal(byName['kubeconfig/controller-manager'].commonName, 'system:kube-controller-manager');
  assert.deepEqual(byName['kubeconfig/scheduler'].organizations, ['system:kube-scheduler']);
  assert.deepEqual(byName['kubeconfig/admin'].organizations, ['system:masters']);
  assert.equal(byName['kubeconfig/admin'].server, 'https://10.1.1.10:16443');
  assert.equal(byName['kubeconfig/scheduler'].server, 'https://127.0.0.1:6443');
});
