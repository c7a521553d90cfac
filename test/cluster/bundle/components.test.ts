import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMPONENTS,
  COMPONENT_NAMES,
  DEBIAN_PACKAGES,
  DEFAULT_SOURCES,
  hostNeedsBinary,
} from '../../../cluster/bundle';

test('every default source is one the component supports, and Debian ones have packages', () => {
  for (const c of COMPONENT_NAMES) {
    assert.ok(COMPONENTS[c].sources.includes(DEFAULT_SOURCES[c]), c);
    if (COMPONENTS[c].sources.includes('debian')) assert.ok(DEBIAN_PACKAGES[c], c);
    else assert.equal(DEBIAN_PACKAGES[c], undefined, c);
  }
});

test('role table: etcd hosts, control plane, every node', () => {
  assert.ok(hostNeedsBinary('etcd', 'etcdctl', ['etcd']));
  assert.ok(!hostNeedsBinary('etcd', 'etcd', ['worker']));
  assert.ok(hostNeedsBinary('kubernetes', 'kube-scheduler', ['control-plane']));
  assert.ok(!hostNeedsBinary('kubernetes', 'kube-apiserver', ['worker']));
  for (const roles of [['worker'], ['control-plane']] as const) {
    for (const [c, b] of [
      ['kubernetes', 'kubelet'],
      ['kubernetes', 'kube-proxy'],
      ['containerd', 'containerd-shim-runc-v2'],
      ['runc', 'runc'],
      ['crictl', 'crictl'],
      ['cni', 'bridge'],
    ] as const)
      assert.ok(hostNeedsBinary(c, b, roles), `${roles[0]} ${b}`);
  }
  assert.ok(!hostNeedsBinary('kubectl', 'kubectl', ['worker']));
});
