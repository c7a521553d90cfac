// The e2e image table, the repo list, which e2e images the bundle has, and the run plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BUNDLE_ONLY_REGISTRY,
  bundleAliases,
  CONFORMANCE_REGISTRY,
  escapeRegex,
  focusFor,
  parseE2EImageManifest,
  planRun,
  remappedRegistries,
  renderRepoList,
  upstreamRefOf,
} from '../../../cluster/conformance';

const MANIFEST_GO = `
type RegistryList struct {
	PromoterE2eRegistry      string \`yaml:"promoterE2eRegistry"\`
	InvalidRegistry          string \`yaml:"invalidRegistry"\`
	GcRegistry               string \`yaml:"gcRegistry"\`
}

func initReg() RegistryList {
	initRegistry = RegistryList{
		PromoterE2eRegistry:      "registry.k8s.io/e2e-test-images",
		InvalidRegistry:          "invalid.registry.k8s.io/invalid",
		GcRegistry:               "registry.k8s.io",
	}
}

func initImageConfigs(list RegistryList) (map[ImageID]Config, map[ImageID]Config) {
	configs := map[ImageID]Config{}
	configs[Agnhost] = Config{list.PromoterE2eRegistry, "agnhost", "2.66.1"}
	configs[BusyBox] = Config{list.PromoterE2eRegistry, "busybox", "1.37.0-2"}
	configs[InvalidRegistryImage] = Config{list.InvalidRegistry, "alpine", "3.1"}
	configs[Pause] = Config{list.GcRegistry, "pause", "3.10.2"}
}
`;
const table = parseE2EImageManifest(MANIFEST_GO);

test('manifest.go: registries by their repo-list keys, images with registry, name and tag', () => {
  assert.deepEqual(table.registries, {
    promoterE2eRegistry: 'registry.k8s.io/e2e-test-images',
    invalidRegistry: 'invalid.registry.k8s.io/invalid',
    gcRegistry: 'registry.k8s.io',
  });
  assert.deepEqual(table.images[0], {
    id: 'Agnhost',
    registry: 'promoterE2eRegistry',
    name: 'agnhost',
    tag: '2.66.1',
  });
  assert.equal(upstreamRefOf(table, 'BusyBox'), 'registry.k8s.io/e2e-test-images/busybox:1.37.0-2');
  assert.throws(() => parseE2EImageManifest('package image\n'), /review the parser/);
});

test('the repo list remaps every registry but the invalid one, in lowercase names', () => {
  const remapped = remappedRegistries(table);
  assert.equal(remapped.promoterE2eRegistry, `${CONFORMANCE_REGISTRY}/promoter-e2e-registry`);
  assert.equal(remapped.gcRegistry, `${CONFORMANCE_REGISTRY}/gc-registry`);
  assert.equal(remapped.invalidRegistry, 'invalid.registry.k8s.io/invalid');
  assert.equal(
    renderRepoList(remapped),
    'promoterE2eRegistry: e2e.hakube.local/promoter-e2e-registry\n' +
      'invalidRegistry: invalid.registry.k8s.io/invalid\n' +
      'gcRegistry: e2e.hakube.local/gc-registry\n',
  );
  // A --bundle-images-only run never takes the names a full run's images have.
  assert.equal(
    remappedRegistries(table, BUNDLE_ONLY_REGISTRY).gcRegistry,
    'bundle.e2e.hakube.local/gc-registry',
  );
  assert.throws(() => renderRepoList({ gcRegistry: 'x\ny: z' }), /refusing/);
  assert.throws(() => renderRepoList({ 'a: b': 'registry.k8s.io' }), /refusing/);
});

test("the bundle's agnhost by name, its pause by source (same pause.c as upstream's tag); nothing else", () => {
  const bundle = [
    { name: 'registry.k8s.io/pause:3.10', origin: 'build/pause/linux/pause.c@k8s.io/kubernetes@v1.37.2' },
    { name: 'registry.k8s.io/e2e-test-images/agnhost:2.66.1', origin: 'k8s.io/kubernetes@v1.37.2' },
    { name: 'registry.k8s.io/coredns/coredns:v1.15.0', origin: 'github.com/coredns/coredns@v1.15.0' },
  ];
  const aliases = bundleAliases(table, bundle, 'v1.37.2', { pause: '3.10.2', agnhost: '2.66.1' });
  assert.deepEqual(
    aliases.map((a) => [a.id, a.bundleRef, a.e2eRef]),
    [
      [
        'Agnhost',
        'registry.k8s.io/e2e-test-images/agnhost:2.66.1',
        'e2e.hakube.local/promoter-e2e-registry/agnhost:2.66.1',
      ],
      ['Pause', 'registry.k8s.io/pause:3.10', 'e2e.hakube.local/gc-registry/pause:3.10.2'],
    ],
  );
  // A pause from another Kubernetes version, or one whose source is another tag, is not upstream's 3.10.2.
  assert.deepEqual(
    bundleAliases(table, bundle, 'v1.36.0', { pause: '3.10.2' }).map((a) => a.id),
    ['Agnhost'],
  );
  assert.deepEqual(
    bundleAliases(table, bundle, 'v1.37.2', { pause: '3.10.1' }).map((a) => a.id),
    ['Agnhost'],
  );
});

test('the plan runs what the cluster has images for, skips the rest naming what they lack', () => {
  const tests = [
    { name: '[sig-a] one [Conformance]', file: 'a.go', line: 1, images: ['Agnhost'] },
    { name: '[sig-a] two [Conformance]', file: 'a.go', line: 2, images: ['BusyBox', 'Agnhost', 'Nginx'] },
    { name: '[sig-b] three [Conformance]', file: 'b.go', line: 3, images: [] },
  ];
  const plan = planRun(tests, undefined, new Set(['Agnhost', 'Pause']));
  assert.deepEqual(
    plan.run.map((t) => t.name),
    ['[sig-a] one [Conformance]', '[sig-b] three [Conformance]'],
  );
  assert.deepEqual(plan.skipped, [{ name: '[sig-a] two [Conformance]', lacks: ['BusyBox', 'Nginx'] }]);
  assert.equal(plan.selected, 3);

  const focused = planRun(tests, /sig-a/, new Set(['Agnhost']));
  assert.equal(focused.selected, 2);
  assert.equal(focused.run.length, 1);
  // Nodes that pull from upstream registries have every image.
  assert.equal(planRun(tests, undefined, undefined).run.length, 3);
});

test('the focus matches exactly the planned names, brackets and all', () => {
  const names = ['[sig-node] Pods (a) should be *updated* [Conformance]', '[sig-x] $y|z? [Conformance]'];
  const focus = new RegExp(focusFor(names.map((name) => ({ name }))));
  for (const n of names) assert.match(n, focus);
  assert.doesNotMatch('[sig-node] Pods a should be updated [Conformance]', focus);
  assert.equal(escapeRegex('a.b'), 'a\\.b');
  assert.throws(() => focusFor([]), /no test/);
});
