// The version-skew rules an upgrade checks before anything changes, and when a host has nothing to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkUpgradeSkew, hostIsCurrent, type HostVersions } from '../../../cluster/upgrade/skew';

const master = (host: string, v: string): HostVersions => ({
  host,
  versions: {
    'kube-apiserver': v,
    'kube-controller-manager': v,
    'kube-scheduler': v,
    kubelet: v,
    'kube-proxy': v,
    kubectl: v,
  },
  outdated: [],
});
const worker = (host: string, v: string): HostVersions => ({
  host,
  versions: { kubelet: v, 'kube-proxy': v },
  outdated: [],
});

test('one minor up, or a patch, is allowed; the oldest version found is what the cluster is upgraded from', () => {
  const r = checkUpgradeSkew(
    [master('m1', 'v1.36.3'), master('m2', 'v1.36.3'), worker('w1', 'v1.34.2')],
    'v1.37.2',
  );
  assert.deepEqual(r.errors, []);
  assert.equal(r.from, 'v1.34.2');
  assert.deepEqual(checkUpgradeSkew([master('m1', 'v1.37.0')], 'v1.37.2').errors, []);
});

test('a skipped minor, a downgrade, a kubelet too far behind and another major are refused, naming the host', () => {
  assert.match(
    checkUpgradeSkew([master('m1', 'v1.35.4')], 'v1.37.2').errors.join('\n'),
    /m1: kube-apiserver v1\.35\.4 is more than one minor behind v1\.37\.2: upgrade one minor at a time \(first to v1\.36\.x\)/,
  );
  assert.match(
    checkUpgradeSkew([master('m1', 'v1.37.2')], 'v1.36.3').errors.join('\n'),
    /m1: kube-apiserver is v1\.37\.2, newer than v1\.36\.3: a downgrade/,
  );
  assert.match(
    checkUpgradeSkew([master('m1', 'v1.36.3'), worker('w1', 'v1.33.1')], 'v1.37.2').errors.join('\n'),
    /w1: kubelet v1\.33\.1 would trail the apiservers at v1\.37\.2 by more than 3 minors; upgrade it to v1\.34 or later first/,
  );
  assert.match(
    checkUpgradeSkew([master('m1', 'v1.36.3')], 'v2.0.0').errors.join('\n'),
    /differ in major version/,
  );
  assert.match(
    checkUpgradeSkew([master('m1', 'v1.36.3')], 'latest').errors.join('\n'),
    /not a release version/,
  );
  assert.match(
    checkUpgradeSkew([worker('w1', 'v1.36.3')], 'v1.37.2').errors.join('\n'),
    /no host reports a kube-apiserver/,
  );
});

test('a control plane left half-upgraded is continued, with a warning; one more than a minor apart is refused', () => {
  const half = checkUpgradeSkew([master('m1', 'v1.37.2'), master('m2', 'v1.36.3')], 'v1.37.2');
  assert.deepEqual(half.errors, []);
  assert.match(half.warnings.join('\n'), /mixed versions .*an earlier upgrade did not finish/);
  const apart = checkUpgradeSkew([master('m1', 'v1.37.2'), master('m2', 'v1.35.4')], 'v1.37.2');
  assert.match(apart.errors.join('\n'), /more than one minor apart/);
});

test('a version that is not one is refused as such (host output is untrusted)', () => {
  const r = checkUpgradeSkew(
    [{ host: 'm1', versions: { 'kube-apiserver': 'banana' }, outdated: [] }],
    'v1.37.2',
  );
  assert.match(r.errors.join('\n'), /m1: kube-apiserver reports "banana", not a version/);
});

test('a host is current only with every binary at the target, etcd/containerd as bundled, nothing running a replaced binary', () => {
  assert.equal(hostIsCurrent(master('m1', 'v1.37.2'), 'v1.37.2'), true);
  assert.equal(hostIsCurrent(master('m1', 'v1.36.3'), 'v1.37.2'), false);
  assert.equal(hostIsCurrent({ ...master('m1', 'v1.37.2'), outdated: ['kubelet'] }, 'v1.37.2'), false);
  const withEtcd = {
    ...master('m1', 'v1.37.2'),
    versions: { ...master('m1', 'v1.37.2').versions, etcd: 'v3.6.5' },
  };
  assert.equal(hostIsCurrent(withEtcd, 'v1.37.2', { etcd: 'v3.7.3' }), false);
  assert.equal(hostIsCurrent(withEtcd, 'v1.37.2', { etcd: 'v3.6.5' }), true);
  assert.equal(hostIsCurrent({ host: 'x', versions: {}, outdated: [] }, 'v1.37.2'), false);
});
