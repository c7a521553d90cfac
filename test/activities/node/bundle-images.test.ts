// Importing the bundle's images into a node's containerd: only what containerd lacks at the
// bundle's digest, then pinned; a host whose containerd ends up with another digest fails typed;
// `ctr images ls` output is validated like input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { ensureBundleImages, parseImageList } from '../../../activities/node/bundle-images';
import type { BundleImage } from '../../../cluster/bundle';
import type { ExecResult } from '../../../activities/ssh';
import { FakeHost } from '../../helpers/fake-host';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const image = (name: string, d: string, file: string): BundleImage =>
  ({
    name,
    digest: d,
    origin: 'test',
    roles: ['control-plane', 'worker'],
    file: { path: `images/${file}`, sha256: 'a'.repeat(64), size: 1, mode: '0644' },
  }) as BundleImage;

const PAUSE = image('registry.k8s.io/pause:3.10', digest('a'), 'pause.tar');
const COREDNS = image('registry.k8s.io/coredns/coredns:v1.15.0', digest('b'), 'coredns.tar');

const HEADER = 'REF TYPE DIGEST SIZE PLATFORMS LABELS';
const row = (ref: string, d: string) =>
  `${ref} application/vnd.oci.image.manifest.v1+json ${d} 312.0 KiB linux/amd64 -`;

/** A node's containerd: `ctr images ls` / `import` / `label`, importing what the archive map says. */
class ContainerdHost extends FakeHost {
  override readonly commands: string[] = [];
  constructor(
    readonly images: Map<string, string>,
    private readonly archives: Record<string, [string, string]>,
  ) {
    super('worker-1');
  }
  override async exec(command: string): Promise<ExecResult> {
    this.commands.push(command);
    if (command.endsWith(' images ls'))
      return {
        exitCode: 0,
        stdout: [HEADER, ...[...this.images].map(([r, d]) => row(r, d))].join('\n'),
        stderr: '',
      };
    const imported = / images import '([^']+)'$/.exec(command);
    if (imported) {
      const found = this.archives[imported[1]];
      if (!found) return { exitCode: 1, stdout: '', stderr: 'ctr: open: no such file or directory' };
      this.images.set(found[0], found[1]);
      return { exitCode: 0, stdout: `unpacking ${found[0]} (${found[1]})...done`, stderr: '' };
    }
    if (/ images label /.test(command)) return { exitCode: 0, stdout: '', stderr: '' };
    throw new Error(`unexpected command ${command}`);
  }
}

test('ctr images ls: names and digests, anything malformed dropped', () => {
  const text = [
    HEADER,
    row('registry.k8s.io/pause:3.10', digest('a')),
    row('sha256:' + 'c'.repeat(64), digest('c')),
    row('evil;rm -rf /:1', digest('d')),
    row('registry.k8s.io/coredns/coredns:v1.15.0', 'sha256:short'),
    '',
  ].join('\n');
  assert.deepEqual(
    [...parseImageList(text)],
    [
      ['registry.k8s.io/pause:3.10', digest('a')],
      ['sha256:' + 'c'.repeat(64), digest('c')],
    ],
  );
});

test('imports only the images containerd lacks at the bundle digest, then pins them', async () => {
  const host = new ContainerdHost(new Map([[PAUSE.name, PAUSE.digest]]), {
    '/var/lib/hakube/images/coredns.tar': [COREDNS.name, COREDNS.digest],
  });
  const r = await ensureBundleImages(host, [PAUSE, COREDNS]);
  assert.deepEqual(r, { imported: [COREDNS.name], present: 1 });
  assert.ok(
    host.commands.some((c) => c.endsWith(`images label '${COREDNS.name}' io.cri-containerd.pinned=pinned`)),
  );
  assert.ok(!host.commands.some((c) => c.includes('pause.tar')));
  // Again: nothing to do, one listing only.
  host.commands.length = 0;
  assert.deepEqual(await ensureBundleImages(host, [PAUSE, COREDNS]), { imported: [], present: 2 });
  assert.equal(host.commands.length, 1);
});

test('an image held at another digest is imported again; one that stays wrong fails typed', async () => {
  const host = new ContainerdHost(new Map([[PAUSE.name, digest('f')]]), {
    '/var/lib/hakube/images/pause.tar': [PAUSE.name, PAUSE.digest],
  });
  assert.deepEqual(await ensureBundleImages(host, [PAUSE]), { imported: [PAUSE.name], present: 0 });

  const stuck = new ContainerdHost(new Map(), {
    '/var/lib/hakube/images/pause.tar': [PAUSE.name, digest('e')],
  });
  await assert.rejects(ensureBundleImages(stuck, [PAUSE]), (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, 'ImageImportFailed');
    assert.match(
      err.message,
      /worker-1: containerd holds registry\.k8s\.io\/pause:3\.10 at sha256:e+, the bundle's is sha256:a+/,
    );
    return true;
  });
  const refused = new ContainerdHost(new Map(), {});
  await assert.rejects(
    ensureBundleImages(refused, [PAUSE]),
    /containerd refused registry\.k8s\.io\/pause:3\.10 .*no such file/,
  );
});
