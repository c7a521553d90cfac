// What a host reports about its binaries and running services, and what blocks a drain: both
// parsed from a host's or the cluster's output as untrusted text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostProbeScript, parseHostProbe, runningUnitsScript } from '../../../cluster/upgrade/probe';
import { blockingBudgets, parseEvictionBlocks } from '../../../cluster/upgrade/drain';

test('the probe reads each binary, each unit and the local apiserver, with nothing from a spec but a port', () => {
  const s = hostProbeScript('/etc/kubernetes/pki/ca.crt', 6443);
  assert.match(s, /\/usr\/local\/bin\/kubectl version --client/);
  assert.match(s, /\/usr\/local\/bin\/etcd --version/);
  assert.match(s, /systemctl show -p MainPID --value kubelet/);
  assert.match(s, /https:\/\/127\.0\.0\.1:6443\/version/);
  assert.doesNotMatch(hostProbeScript('/ca', undefined), /\/version/);
  assert.ok(s.includes(runningUnitsScript()));
});

test('versions, replaced executables and the served version are parsed', () => {
  const out = [
    'B kube-apiserver Kubernetes v1.37.2',
    'B kubectl Client Version: v1.37.2',
    'B etcd etcd Version: 3.7.3',
    'B containerd containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1',
    'U kube-apiserver /usr/local/bin/kube-apiserver',
    'U kubelet /usr/local/bin/kubelet (deleted)',
    'A {"major":"1","minor":"37","gitVersion":"v1.37.2","gitCommit":"x"}',
    'some noise the shell printed',
  ].join('\n');
  const r = parseHostProbe('m1', out);
  assert.deepEqual(r.versions, {
    'kube-apiserver': 'v1.37.2',
    kubectl: 'v1.37.2',
    etcd: 'v3.7.3',
    containerd: 'v1.6.20',
  });
  assert.deepEqual(r.outdated, ['kubelet']);
  assert.equal(r.servedApiserver, 'v1.37.2');
});

test('a binary without a version or an executable with an odd path is refused', () => {
  assert.throws(
    () => parseHostProbe('m1', 'B kubelet segmentation fault'),
    /m1: kubelet --version printed no version/,
  );
  assert.throws(() => parseHostProbe('m1', 'U kubelet /tmp/$(reboot)'), /unexpected path/);
  // Units and binaries hakube does not know are ignored, not trusted.
  assert.deepEqual(parseHostProbe('m1', 'U sshd /usr/sbin/sshd (deleted)\nB bash 5.2.15').outdated, []);
});

test('pods a disruption budget protects are read from kubectl drain, and the budgets that allow none', () => {
  const stderr = [
    'evicting pod shop/web-7d9-abcde',
    'error when evicting pods/"web-7d9-abcde" -n "shop" (will retry after 5s): Cannot evict pod as it would violate the pod\'s disruption budget.',
    'error when evicting pods/"web-7d9-abcde" -n "shop" (will retry after 5s): Cannot evict pod as it would violate the pod\'s disruption budget.',
    'error when evicting pods/"db-0" -n "data" (will retry after 5s): Cannot evict pod as it would violate the pod\'s disruption budget.',
    'error when evicting pods/"$(x)" -n "shop" (will retry after 5s): Cannot evict pod as it would violate the pod\'s disruption budget.',
    'error: unable to drain node "worker-1" due to error: global timeout reached: 1m30s',
  ].join('\n');
  const blocked = parseEvictionBlocks(stderr);
  assert.deepEqual(blocked, [
    { namespace: 'shop', pod: 'web-7d9-abcde' },
    { namespace: 'data', pod: 'db-0' },
  ]);
  const budgets = blockingBudgets(
    {
      items: [
        {
          metadata: { name: 'web', namespace: 'shop' },
          status: { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 },
        },
        {
          metadata: { name: 'other', namespace: 'shop' },
          status: { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2 },
        },
        { metadata: { name: 'elsewhere', namespace: 'kube-system' }, status: { disruptionsAllowed: 0 } },
      ],
    },
    blocked,
  );
  assert.deepEqual(budgets, [{ namespace: 'shop', name: 'web', allowed: 0, healthy: 2, desired: 2 }]);
});
