// Small readings the conformance build relies on: pause's upstream tag, Go's name for this arch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pauseTagOf } from '../../../activities/conformance/analyze';
import { hostGoArch } from '../../../activities/conformance/build';

test("pause's tag from build/pause/Makefile; a tag that is no tag is refused", () => {
  assert.equal(
    pauseTagOf('REGISTRY ?= registry.k8s.io\nTAG ?= 3.10.2\nREV = $(shell git describe)\n'),
    '3.10.2',
  );
  assert.equal(pauseTagOf('no tag here\n'), undefined);
  assert.throws(() => pauseTagOf('TAG ?= $(bad)\n'), /not an image tag/);
});

test("Go's architecture names", () => {
  assert.equal(hostGoArch('x64'), 'amd64');
  assert.equal(hostGoArch('arm64'), 'arm64');
  assert.throws(() => hostGoArch('ia32'), /no Go architecture/);
});
