// Which e2e images a Conformance test uses, read from Go sources shaped like upstream's: the
// test's own body, its Describe's setup, helpers of its package and of other test packages —
// and not a sibling test's images, nor what sits in comments or strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskGo, topLevelDecls, importsOf } from '../../../cluster/conformance/go-source';
import { parseListedConformanceTests, TestImageReader } from '../../../cluster/conformance';
import { NEEDS_REGISTRY } from '../../../cluster/conformance/test-images';

const APPS = `package apps

import (
	"context"

	"k8s.io/kubernetes/test/e2e/framework"
	e2epod "k8s.io/kubernetes/test/e2e/framework/pod"
	imageutils "k8s.io/kubernetes/test/utils/image"
)

var (
	// PrevAgnhostImage is imageutils.Nginx in a comment only
	PrevAgnhostImage = imageutils.GetE2EImage(imageutils.AgnhostPrev)
	other            = "imageutils.Kitten"
)

func helper() string { return PrevAgnhostImage }

var _ = SIGDescribe("Deployment", func() {
	f := framework.NewDefaultFramework("deployment")
	var image string
	ginkgo.BeforeEach(func() {
		image = imageutils.GetE2EImage(imageutils.Agnhost)
	})

	framework.ConformanceIt("uses the default test image", func(ctx context.Context) {
		pod := e2epod.MakePod(image)
		_ = pod
	})

	framework.ConformanceIt("uses the previous agnhost", func(ctx context.Context) {
		_ = helper()
	})

	ginkgo.Describe("nested", func() {
		ginkgo.BeforeEach(func() { _ = imageutils.GetPauseImageName() })
		framework.ConformanceIt("sees the nested setup", func(ctx context.Context) {})
	})
})
`;

const POD = `package pod

import imageutils "k8s.io/kubernetes/test/utils/image"

func MakePod(image string) string {
	return GetDefaultTestImage()
}

func GetDefaultTestImage() string {
	return imageutils.GetE2EImage(imageutils.BusyBox)
}
`;

const sources = new Map([
  ['test/e2e/apps/deployment.go', APPS],
  ['test/e2e/framework/pod/create.go', POD],
  [
    'test/e2e/framework/framework.go',
    'package framework\n\nfunc NewDefaultFramework(n string) string { return n }\n',
  ],
]);
const ids = new Set(['Agnhost', 'AgnhostPrev', 'BusyBox', 'Pause', 'Nginx', 'Kitten']);
const line = (title: string) => APPS.split('\n').findIndex((l) => l.includes(`"${title}"`)) + 1;

test('a test uses its own images, its setup, and what its helpers reach in other packages', () => {
  const r = new TestImageReader(sources, ids);
  const file = 'test/e2e/apps/deployment.go';
  assert.deepEqual(r.imagesOf({ file, line: line('uses the default test image') }), ['Agnhost', 'BusyBox']);
  assert.deepEqual(r.imagesOf({ file, line: line('uses the previous agnhost') }), ['Agnhost', 'AgnhostPrev']);
  assert.deepEqual(r.imagesOf({ file, line: line('sees the nested setup') }), ['Agnhost', 'Pause']);
});

test('an unknown file is an error, not a test without images', () => {
  assert.throws(
    () => new TestImageReader(sources, ids).imagesOf({ file: 'test/e2e/x.go', line: 1 }),
    /not among/,
  );
});

test('masking keeps offsets and hides comments and literals', () => {
  const src = 'a := "{" // }\nb := `x\n}` + \'{\'\n';
  const masked = maskGo(src);
  assert.equal(masked.length, src.length);
  assert.equal(masked.split('\n').length, src.split('\n').length);
  assert.doesNotMatch(masked, /[{}]/);
});

test('top-level declarations and imports', () => {
  const decls = topLevelDecls(maskGo(APPS)).byName;
  assert.ok(decls.has('PrevAgnhostImage') && decls.has('other') && decls.has('helper'));
  assert.ok(!decls.has('_'));
  const imports = importsOf(APPS);
  assert.equal(imports.get('e2epod'), 'k8s.io/kubernetes/test/e2e/framework/pod');
  assert.equal(imports.get('framework'), 'k8s.io/kubernetes/test/e2e/framework');
  assert.equal(importsOf(POD).get('imageutils'), 'k8s.io/kubernetes/test/utils/image');
});

test('--list-tests output: only [Conformance] tests, with their file and line', () => {
  const out = [
    "The following spec names can be used with 'ginkgo run --focus/skip':",
    '    k8s.io/kubernetes@v1.37.2/test/e2e/apps/job.go:12: [sig-apps] Job should run [Conformance]',
    '    k8s.io/kubernetes@v1.37.2/test/e2e/apps/job.go:40: [sig-apps] Job should not [Slow]',
    '    k8s.io/kubernetes@v1.37.2/test/e2e/common/node/pods.go:7: [sig-node] Pods x [Conformance] [NodeConformance]',
  ].join('\n');
  assert.deepEqual(parseListedConformanceTests(out), [
    { file: 'test/e2e/apps/job.go', line: 12, name: '[sig-apps] Job should run [Conformance]' },
    {
      file: 'test/e2e/common/node/pods.go',
      line: 7,
      name: '[sig-node] Pods x [Conformance] [NodeConformance]',
    },
  ]);
});

test('a test that pulls with imagePullPolicy: Always needs a registry, named like a missing image', () => {
  const src = `package auth

import (
	"context"

	v1 "k8s.io/api/core/v1"
	imageutils "k8s.io/kubernetes/test/utils/image"
)

var _ = SIGDescribe("Projected", func() {
	framework.ConformanceIt("pulls always", func(ctx context.Context) {
		_ = v1.Container{Image: imageutils.GetE2EImage(imageutils.Agnhost), ImagePullPolicy: v1.PullAlways}
	})
	framework.ConformanceIt("pulls if not present", func(ctx context.Context) {
		// v1.PullAlways in a comment does not count
		_ = v1.Container{Image: imageutils.GetE2EImage(imageutils.Agnhost), ImagePullPolicy: v1.PullIfNotPresent}
	})
})
`;
  const r = new TestImageReader(new Map([['test/e2e/auth/projected.go', src]]), ids);
  const at = (title: string) => src.split('\n').findIndex((l) => l.includes(`"${title}"`)) + 1;
  const file = 'test/e2e/auth/projected.go';
  assert.deepEqual(r.imagesOf({ file, line: at('pulls always') }), ['Agnhost', NEEDS_REGISTRY]);
  assert.deepEqual(r.imagesOf({ file, line: at('pulls if not present') }), ['Agnhost']);
});
