// The add-on manifests: which add-ons a spec gets, that every document is a well-formed object
// hakube owns, the spec's values in the right places, and snapshots of the rendered YAML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { validateClusterSpec } from '../../../cluster/validate';
import type { Cluster } from '../../../cluster/spec';
import { addonsFor } from '../../../cluster/manifests/addons';
import { nodeLocalCorefile } from '../../../cluster/manifests/node-local-dns';
import { expectSnapshot } from '../../helpers/snapshot';
import { imageRef, imageTable } from '../../../cluster/bundle';
import { SANDBOX_IMAGE } from '../../../cluster/render/node';
import { SPEC_FIXTURES } from '../../helpers/temp-home';

type Doc = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
};

function clusterWith(
  edit: (spec: Record<string, Record<string, unknown>>) => void = () => undefined,
): Cluster {
  const doc = parse(readFileSync(join(SPEC_FIXTURES, 'valid', 'minimal-3-masters.yaml'), 'utf8')) as {
    spec: Record<string, Record<string, unknown>>;
  };
  edit(doc.spec);
  const r = validateClusterSpec(doc);
  assert.ok(r.cluster, JSON.stringify(r.problems));
  return r.cluster;
}

const docsOf = (manifest: string): Doc[] => parseAllDocuments(manifest).map((d) => d.toJSON() as Doc);

const CLUSTER_SCOPED = new Set([
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'APIService',
]);

/** The calico-node container's env as name → value (valueFrom entries as "from:<key>"). */
function calicoNodeEnv(c: Cluster): Record<string, string> {
  const calico = addonsFor(c).find((a) => a.name === 'calico');
  assert.ok(calico);
  const ds = docsOf(calico.manifest).find((d) => d.kind === 'DaemonSet') as unknown as {
    spec: {
      template: { spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[] }[] } };
    };
  };
  return Object.fromEntries(
    ds.spec.template.spec.containers[0].env.map((e) => [
      e.name,
      e.value ?? `from:${JSON.stringify(e.valueFrom)}`,
    ]),
  );
}

test('a default spec gets calico, CoreDNS and metrics-server; node-local DNS only with its address', () => {
  assert.deepEqual(
    addonsFor(clusterWith()).map((a) => a.name),
    ['calico', 'coredns', 'metrics-server'],
  );
  const all = clusterWith((s) => (s.network = { nodeLocalDNS: '169.254.20.10' }));
  assert.deepEqual(
    addonsFor(all).map((a) => a.name),
    ['calico', 'coredns', 'node-local-dns', 'metrics-server'],
  );
  const bare = clusterWith((s) => {
    s.network = { cni: 'none' };
    s.addons = { metricsServer: { enabled: false } };
  });
  assert.deepEqual(
    addonsFor(bare).map((a) => a.name),
    ['coredns'],
  );
});

test('every document is a named object hakube manages, namespaced ones in kube-system', () => {
  const c = clusterWith((s) => (s.network = { nodeLocalDNS: '169.254.20.10' }));
  for (const addon of addonsFor(c)) {
    const docs = docsOf(addon.manifest);
    assert.ok(docs.length > 2, addon.name);
    const seen = new Set<string>();
    for (const d of docs) {
      assert.ok(
        d.apiVersion && d.kind && d.metadata?.name,
        `${addon.name}: ${JSON.stringify(d).slice(0, 80)}`,
      );
      const id = `${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`;
      assert.ok(!seen.has(id), `${addon.name}: ${id} twice`);
      seen.add(id);
      assert.equal(d.metadata.labels?.['app.kubernetes.io/managed-by'], 'hakube', id);
      if (CLUSTER_SCOPED.has(d.kind)) assert.equal(d.metadata.namespace, undefined, id);
      else assert.equal(d.metadata.namespace, 'kube-system', id);
    }
    for (const w of addon.workloads)
      assert.ok(
        docs.some((d) => d.kind === w.kind && d.metadata.name === w.name),
        `${addon.name} has no ${w.kind} ${w.name}`,
      );
  }
});

test('calico: the pod CIDR as its first pool, the chosen encapsulation, the apiserver through the endpoint', () => {
  const c = clusterWith();
  const env = calicoNodeEnv(c);
  assert.equal(env.CALICO_IPV4POOL_CIDR, c.spec.network.podCIDR);
  assert.equal(env.CALICO_IPV4POOL_IPIP, 'Always');
  assert.equal(env.CALICO_IPV4POOL_VXLAN, 'Never');
  assert.equal(env.CLUSTER_TYPE, 'k8s,bgp');
  assert.equal(env.IP_AUTODETECTION_METHOD, 'kubernetes-internal-ip');
  assert.equal(env.FELIX_KUBEPROXYMODE, 'ipvs');
  const ep = c.spec.controlPlaneEndpoint;
  assert.equal(env.KUBERNETES_SERVICE_HOST, ep.mode === 'keepalived' ? ep.vip.split('/')[0] : ep.address);
  assert.equal(env.KUBERNETES_SERVICE_PORT, String(ep.port));

  const vxlan = calicoNodeEnv(
    clusterWith((s) => (s.addons = { calico: { encapsulation: 'VXLAN', mtu: 1400 } })),
  );
  assert.equal(vxlan.CALICO_IPV4POOL_IPIP, 'Never');
  assert.equal(vxlan.CALICO_IPV4POOL_VXLAN, 'Always');
  assert.equal(vxlan.CLUSTER_TYPE, 'k8s');
  const calico = addonsFor(
    clusterWith((s) => (s.addons = { calico: { encapsulation: 'VXLAN', mtu: 1400 } })),
  )[0];
  const cm = docsOf(calico.manifest).find((d) => d.kind === 'ConfigMap') as unknown as {
    data: Record<string, string>;
  };
  assert.equal(cm.data.veth_mtu, '1400');
  assert.equal(cm.data.calico_backend, 'vxlan');
  // install-cni fills the placeholders; the rest must already be valid JSON once they are.
  const conflist = JSON.parse(
    cm.data.cni_network_config.replace('__CNI_MTU__', '1400').replace(/__[A-Z_]+__/g, 'x'),
  ) as { plugins: { type: string }[] };
  assert.deepEqual(
    conflist.plugins.map((p) => p.type),
    ['calico', 'portmap', 'bandwidth'],
  );
});

test('calico: every custom resource Calico uses is defined, with open schemas', () => {
  const calico = addonsFor(clusterWith())[0];
  const crds = docsOf(calico.manifest).filter((d) => d.kind === 'CustomResourceDefinition');
  const names = crds.map((d) => d.metadata.name);
  for (const plural of [
    'ippools',
    'ipamblocks',
    'blockaffinities',
    'felixconfigurations',
    'networkpolicies',
    'tiers',
  ])
    assert.ok(names.includes(`${plural}.crd.projectcalico.org`), plural);
  assert.ok(names.includes('adminnetworkpolicies.policy.networking.k8s.io'));
  const np = crds.find((d) => d.metadata.name === 'networkpolicies.crd.projectcalico.org');
  assert.equal(np?.spec?.scope, 'Namespaced');
});

test('node-local DNS is CoreDNS bound to the link-local address only, forwarding cluster names to kube-dns', () => {
  for (const proxyMode of ['ipvs', 'iptables']) {
    const c = clusterWith((s) => (s.network = { nodeLocalDNS: '169.254.20.10', proxyMode }));
    const corefile = nodeLocalCorefile(c);
    assert.match(corefile, /^cluster\.local:53 \{/m);
    assert.equal((corefile.match(/bind 169\.254\.20\.10$/gm) ?? []).length, 4, proxyMode);
    assert.doesNotMatch(corefile, /bind .*10\.96\.0\.10/);
    assert.match(corefile, /forward \. 10\.96\.0\.10 \{\n\s+force_tcp\n\s+\}/);
    assert.match(corefile, /forward \. \/etc\/resolv\.conf/);
    assert.match(corefile, /health 169\.254\.20\.10:8080/);
    assert.equal((corefile.match(/^\S+:53 \{$/gm) ?? []).length, 4);
    const addon = addonsFor(c).find((a) => a.name === 'node-local-dns');
    assert.ok(addon);
    assert.match(addon.manifest, /image: registry\.k8s\.io\/coredns\/coredns:v1\.15\.0/);
    assert.doesNotMatch(addon.manifest, /NET_ADMIN|__PILLAR__/);
  }
});

test('flannel: the pod network from the spec, VXLAN over the interface that reaches the endpoint', () => {
  const c = clusterWith((s) => (s.network = { cni: 'flannel', podCIDR: '10.200.0.0/16' }));
  const names = addonsFor(c).map((a) => a.name);
  assert.ok(names.includes('flannel') && !names.includes('calico'), names.join(','));
  const flannel = addonsFor(c).find((a) => a.name === 'flannel');
  assert.ok(flannel);
  const docs = docsOf(flannel.manifest);
  const cm = docs.find((d) => d.kind === 'ConfigMap') as unknown as { data: Record<string, string> };
  assert.deepEqual(JSON.parse(cm.data['net-conf.json']), {
    Network: '10.200.0.0/16',
    EnableNFTables: false,
    Backend: { Type: 'vxlan' },
  });
  assert.match(flannel.manifest, /--iface-can-reach=/);
  assert.match(flannel.manifest, /--kube-subnet-mgr/);
  assert.deepEqual(flannel.workloads, [{ kind: 'DaemonSet', name: 'kube-flannel', app: 'flannel' }]);
});

test('metrics-server verifies kubelets (no insecure TLS) and registers the metrics API', () => {
  const ms = addonsFor(clusterWith()).find((a) => a.name === 'metrics-server');
  assert.ok(ms);
  assert.doesNotMatch(ms.manifest, /kubelet-insecure-tls/);
  assert.match(ms.manifest, /--kubelet-preferred-address-types=InternalIP/);
  const api = docsOf(ms.manifest).find((d) => d.kind === 'APIService');
  assert.equal(api?.metadata.name, 'v1beta1.metrics.k8s.io');
  assert.deepEqual(ms.apiServices, ['v1beta1.metrics.k8s.io']);
});

test('with images from the bundle, every image a node runs is one the bundle builds', () => {
  const c = clusterWith((s) => {
    s.network = { cni: 'flannel', nodeLocalDNS: '169.254.20.10' };
    s.images = { source: 'bundle' };
  });
  const built = new Set(
    imageTable(c.spec.kubernetesVersion)
      .filter((r) => r.tag !== undefined)
      .map((r) => imageRef(r, r.tag as string)),
  );
  const used = [
    SANDBOX_IMAGE,
    ...addonsFor(c).flatMap((a) => [...a.manifest.matchAll(/^\s+image: (\S+)$/gm)].map((m) => m[1])),
  ];
  assert.ok(used.length >= 5, used.join(' '));
  assert.deepEqual(
    used.filter((i) => !built.has(i)),
    [],
    'images the add-ons run that the bundle does not carry',
  );
});

test('rendered add-on manifests match their snapshots', () => {
  const c = clusterWith((s) => (s.network = { nodeLocalDNS: '169.254.20.10', proxyMode: 'ipvs' }));
  for (const addon of addonsFor(c)) expectSnapshot(join('addons', `${addon.name}.yaml`), addon.manifest);
});
