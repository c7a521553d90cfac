import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compatibilityNotes,
  etcdSupport,
  goBinaryName,
  parseGoMod,
  pickDefaultKubernetesVersion,
  pinnedReplaces,
  renderThrowawayModule,
  stagingVersion,
} from '../../../cluster/bundle';

test('default Kubernetes version follows the toolchain', () => {
  assert.equal(pickDefaultKubernetesVersion(), 'v1.37.2');
  assert.equal(pickDefaultKubernetesVersion({ goVersion: 'go1.26.8' }), 'v1.37.2');
  assert.equal(pickDefaultKubernetesVersion({ goVersion: 'go1.25.3' }), 'v1.35.4');
});

test('etcd support levels for the default Kubernetes', () => {
  assert.equal(etcdSupport('v3.7.3'), 'supported');
  assert.equal(etcdSupport('3.5.24'), 'supported');
  assert.equal(etcdSupport('3.5.13'), 'degraded');
  assert.equal(etcdSupport('3.4.23-4+b4'), 'degraded');
  assert.equal(etcdSupport('3.3.25'), 'unsupported');
  assert.equal(etcdSupport('weird'), 'unknown');
});

const KUBE_GO_MOD = `module k8s.io/kubernetes

go 1.26.0

godebug default=go1.26

require (
	k8s.io/api v0.0.0
	k8s.io/klog/v2 v2.140.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go // staging
)
replace github.com/x/y v1.0.0 => github.com/x/z v1.0.1
`;

test('go.mod facts and pinned replaces for the throwaway module', () => {
  const facts = parseGoMod(KUBE_GO_MOD);
  assert.equal(facts.goLine, '1.26.0');
  assert.deepEqual(facts.godebug, ['default=go1.26']);
  assert.equal(facts.replaces.length, 3);
  assert.deepEqual(
    pinnedReplaces(facts.replaces, (m) => (m.startsWith('k8s.io/') ? stagingVersion('v1.37.2') : undefined)),
    [
      'replace k8s.io/api => k8s.io/api v0.37.2',
      'replace k8s.io/client-go => k8s.io/client-go v0.37.2',
      'replace github.com/x/y v1.0.0 => github.com/x/z v1.0.1',
    ],
  );
  const mod = renderThrowawayModule({
    requires: [{ path: 'k8s.io/kubernetes', version: 'v1.37.2' }],
    packages: ['k8s.io/kubernetes/cmd/kubelet'],
    goLine: facts.goLine,
    godebug: facts.godebug,
    replaces: ['replace a => a v1'],
  });
  assert.match(mod.goMod, /^go 1\.26\.0$/m);
  assert.match(mod.goMod, /^godebug default=go1\.26$/m);
  assert.match(mod.goMod, /^require k8s\.io\/kubernetes v1\.37\.2$/m);
  assert.match(mod.toolsGo, /^\/\/go:build tools$/m);
  assert.match(mod.toolsGo, /_ "k8s\.io\/kubernetes\/cmd\/kubelet"/);
});

test('binary names and staging versions', () => {
  assert.equal(goBinaryName('go.etcd.io/etcd/server/v3'), 'server');
  assert.equal(goBinaryName('go.etcd.io/etcd/etcdctl/v3'), 'etcdctl');
  assert.equal(goBinaryName('k8s.io/kubernetes/cmd/kube-apiserver'), 'kube-apiserver');
  assert.equal(stagingVersion('v1.37.2'), 'v0.37.2');
  assert.throws(() => stagingVersion('v2.0.0'));
});

test('compatibility notes for Debian etcd and kubectl next to a current Kubernetes', () => {
  const c = (name: 'etcd' | 'kubectl', version: string) => ({
    name,
    version,
    source: 'debian' as const,
    origin: '',
  });
  const notes = compatibilityNotes('v1.37.2', [
    c('etcd', '3.4.23-4+b4'),
    c('kubectl', '1.20.5+really1.20.2-1.1'),
  ]);
  assert.equal(notes.length, 2);
  assert.match(notes[0], /etcd 3\.4\.23-4\+b4 is below v3\.5\.24/);
  assert.match(notes[1], /kubectl 1\.20\.5.* outside the supported skew/);
  assert.deepEqual(compatibilityNotes('v1.37.2', [c('etcd', 'v3.7.3'), c('kubectl', 'v1.36.0')]), []);
});
