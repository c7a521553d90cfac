// The certificate table: names, subjects, SANs, usages, validity, paths and hosts per profile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pkiInputFromCluster, type PkiClusterInput } from '../../../cluster/pki/input';
import {
  apiserverSans,
  caProfiles,
  certificateProfiles,
  findProfile,
  kubeconfigProfilesFor,
  leafProfilesFor,
  profilesForHost,
  serviceAccountProfile,
  type LeafProfile,
} from '../../../cluster/pki/profiles';
import { pkiCluster } from '../../helpers/pki-cluster';

const input = (): PkiClusterInput => pkiInputFromCluster(pkiCluster());
const host = (i: PkiClusterInput, name: string) => {
  const h = i.hosts.find((x) => x.name === name);
  assert.ok(h, name);
  return h;
};

test('the spec adapter carries what the table needs', () => {
  const i = input();
  assert.equal(i.clusterName, 'pki');
  assert.deepEqual(i.controlPlaneEndpoint, { address: '10.1.1.10', port: 16443 });
  assert.equal(i.apiserverPort, 6443);
  assert.equal(i.clusterDomain, 'corp.local');
  assert.equal(i.keyAlgorithm, 'ecdsa');
  assert.equal(i.caValidityDays, 36500);
});

test('apiserver SANs: every control-plane IP and name, the VIP, the first service IP, the kubernetes names', () => {
  const i = input();
  const api = leafProfilesFor(i, host(i, 'master-2')).find((p) => p.name === 'certs/apiserver/master-2');
  assert.ok(api);
  assert.deepEqual(api.ipAddresses, [
    '10.96.0.1',
    '127.0.0.1',
    '10.1.1.11',
    '10.1.1.12',
    '10.1.1.13',
    '10.1.1.10',
  ]);
  assert.deepEqual(api.dnsNames, [
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.corp.local',
    'localhost',
    'master-1',
    'master-2',
    'master-3',
  ]);
  assert.deepEqual(api.extendedKeyUsages, ['serverAuth']);
  assert.deepEqual(api.keyUsages, ['digitalSignature']);
  assert.equal(api.certPath, '/etc/kubernetes/pki/apiserver.crt');
  assert.equal(api.validityDays, 365);
  assert.equal(api.renewBeforeDays, 30);
});

test('an external LB name becomes a DNS SAN; RSA leaves also get keyEncipherment', () => {
  const i: PkiClusterInput = {
    ...input(),
    controlPlaneEndpoint: { address: 'api.corp.example', port: 6443 },
    keyAlgorithm: 'rsa',
  };
  const sans = apiserverSans(i);
  assert.ok(sans.dnsNames.includes('api.corp.example'));
  assert.ok(!sans.ipAddresses.includes('api.corp.example'));
  const leaf = findProfile(i, 'certs/apiserver-kubelet-client/master-1') as LeafProfile;
  assert.deepEqual(leaf.keyUsages, ['digitalSignature', 'keyEncipherment']);
  assert.deepEqual(leaf.organizations, ['kubeadm:cluster-admins']);
});

test('etcd server and peer certificates name their own member, for server and client auth', () => {
  const i = input();
  const profiles = leafProfilesFor(i, host(i, 'master-3'));
  const server = profiles.find((p) => p.name === 'certs/etcd-server/master-3');
  assert.deepEqual(server?.ipAddresses, ['10.1.1.13', '127.0.0.1']);
  assert.deepEqual(server?.dnsNames, ['master-3', 'localhost']);
  assert.deepEqual(server?.extendedKeyUsages, ['serverAuth', 'clientAuth']);
  assert.equal(server?.signer, 'etcd-ca');
  assert.equal(server?.certPath, '/etc/kubernetes/pki/etcd/server.crt');
  assert.ok(profiles.some((p) => p.name === 'certs/etcd-peer/master-3'));
  assert.ok(
    profiles.some((p) => p.name === 'certs/etcd-healthcheck-client/master-3' && p.signer === 'etcd-ca'),
  );
  assert.ok(
    profiles.some((p) => p.name === 'certs/apiserver-etcd-client/master-3' && p.signer === 'etcd-ca'),
  );
});

test('CAs live on the first control-plane host; who gets their certificate and key', () => {
  const byCa = Object.fromEntries(caProfiles(input()).map((p) => [p.name, p]));
  assert.deepEqual(Object.keys(byCa), ['certs/etcd-ca', 'certs/ca', 'certs/front-proxy-ca']);
  for (const ca of Object.values(byCa)) {
    assert.equal(ca.sourceHost, 'master-1');
    assert.equal(ca.validityDays, 36500);
    assert.deepEqual(ca.keyUsages, ['digitalSignature', 'keyCertSign', 'cRLSign']);
  }
  assert.deepEqual(byCa['certs/ca'].certHosts, ['master-1', 'master-2', 'master-3', 'worker-1']);
  assert.deepEqual(byCa['certs/ca'].keyHosts, ['master-1', 'master-2', 'master-3']);
  assert.deepEqual(byCa['certs/etcd-ca'].keyHosts, ['master-1']);
  assert.deepEqual(byCa['certs/front-proxy-ca'].certHosts, ['master-1', 'master-2', 'master-3']);
  assert.deepEqual(serviceAccountProfile(input()).hosts, ['master-1', 'master-2', 'master-3']);
});

test('workers get the Kubernetes CA certificate and a kube-proxy kubeconfig, nothing else', () => {
  const i = input();
  assert.deepEqual(leafProfilesFor(i, host(i, 'worker-1')), []);
  assert.deepEqual(
    profilesForHost(i, 'worker-1').map((p) => p.name),
    ['certs/ca', 'kubeconfig/kube-proxy/worker-1'],
  );
});

test('client identities: controller-manager and scheduler CN = O, admin in hakube:cluster-admins, super-admin in system:masters, kube-proxy', () => {
  const i = input();
  const kcs = Object.fromEntries(kubeconfigProfilesFor(i, host(i, 'master-1')).map((k) => [k.name, k]));
  const cm = kcs['kubeconfig/controller-manager/master-1'];
  assert.equal(cm.commonName, 'system:kube-controller-manager');
  assert.deepEqual(cm.organizations, [cm.commonName]);
  assert.deepEqual(kcs['kubeconfig/scheduler/master-1'].organizations, ['system:kube-scheduler']);
  assert.equal(kcs['kubeconfig/scheduler/master-1'].commonName, 'system:kube-scheduler');
  assert.deepEqual(kcs['kubeconfig/admin/master-1'].organizations, ['hakube:cluster-admins']);
  assert.equal(kcs['kubeconfig/admin/master-1'].path, '/etc/kubernetes/admin.conf');
  assert.deepEqual(kcs['kubeconfig/super-admin/master-1'].organizations, ['system:masters']);
  assert.equal(kcs['kubeconfig/super-admin/master-1'].path, '/etc/kubernetes/super-admin.conf');
  // Written first: it creates the binding admin.conf's group needs.
  const order = Object.keys(kcs);
  assert.ok(order.indexOf('kubeconfig/super-admin/master-1') < order.indexOf('kubeconfig/admin/master-1'));
  // Only control-plane hosts hold either.
  assert.deepEqual(
    kubeconfigProfilesFor(i, host(i, 'worker-1')).map((k) => k.name),
    ['kubeconfig/kube-proxy/worker-1'],
  );
  assert.equal(kcs['kubeconfig/admin/master-1'].server, 'https://10.1.1.10:16443');
  assert.equal(kcs['kubeconfig/scheduler/master-1'].server, 'https://127.0.0.1:6443');
  assert.equal(kcs['kubeconfig/kube-proxy/master-1'].commonName, 'system:kube-proxy');
  assert.deepEqual(kcs['kubeconfig/kube-proxy/master-1'].extendedKeyUsages, ['clientAuth']);
});

test('the table is pure: stable names, no duplicates, same input gives the same table', () => {
  const a = certificateProfiles(input());
  const names = a.map((p) => p.name);
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual(certificateProfiles(input()), a);
  // 3 CAs + SA + 3 masters x (3 etcd + 4 control-plane certs + 5 kubeconfigs) + 1 worker kubeconfig
  assert.equal(a.length, 3 + 1 + 3 * 12 + 1);
});
