// ensureBinaries: a host gets the binaries its roles need from a verified bundle, a second run
// transfers nothing, and a bundle whose bytes do not match its manifest is refused for good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createArtifactActivities } from '../../../activities/artifacts/ensure-binaries';
import { ErrorTypes } from '../../../cluster/errors';
import type { Cluster } from '../../../cluster/spec';
import { validateClusterSpec } from '../../../cluster/validate';
import { FakeHost } from '../../helpers/fake-host';
import { makeBundle } from '../../helpers/tiny-bundle';

function setup(extraSpec: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-bundle-'));
  const bundleDir = makeBundle(join(dir, 'bundle'));
  const r = validateClusterSpec({
    apiVersion: 'hakube.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'art' },
    spec: {
      ssh: { privateKeyPath: '/k' },
      hosts: [
        { name: 'master-1', address: '10.1.1.11', roles: ['control-plane', 'etcd'] },
        { name: 'worker-1', address: '10.1.1.21', roles: ['worker'] },
      ],
      controlPlaneEndpoint: { mode: 'external', address: 'api.art.example.internal', port: 6443 },
      ...extraSpec,
    },
  });
  assert.ok(r.cluster);
  const cluster: Cluster = r.cluster;
  const hosts = new Map(cluster.spec.hosts.map((h) => [h.name, new FakeHost(h.name, h.address)]));
  const acts = createArtifactActivities({ hosts: { hostFor: (_c, h) => hosts.get(h.name) as FakeHost } });
  return {
    dir,
    bundleDir,
    cluster,
    hosts,
    acts,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test('each host gets what its roles need, executable; a second run transfers nothing', async () => {
  const s = setup();
  try {
    const master = await s.acts.ensureBinaries({
      cluster: s.cluster,
      host: 'master-1',
      bundleDir: s.bundleDir,
    });
    const worker = await s.acts.ensureBinaries({
      cluster: s.cluster,
      host: 'worker-1',
      bundleDir: s.bundleDir,
    });
    assert.ok(master.uploaded.includes('/usr/local/bin/etcd'));
    assert.ok(master.uploaded.includes('/usr/local/bin/kube-apiserver'));
    assert.ok(worker.uploaded.includes('/usr/local/bin/kubelet'));
    assert.ok(worker.uploaded.includes('/opt/cni/bin/bridge'));
    assert.ok(!worker.uploaded.some((p) => /etcd|kube-apiserver/.test(p)), worker.uploaded.join(' '));
    const kubelet = s.hosts.get('worker-1')?.files.get('/usr/local/bin/kubelet');
    assert.deepEqual(kubelet?.content, readFileSync(join(s.bundleDir, 'bin/kubelet')));
    assert.equal(kubelet?.mode, 0o755);
    const again = await s.acts.ensureBinaries({
      cluster: s.cluster,
      host: 'worker-1',
      bundleDir: s.bundleDir,
    });
    assert.deepEqual(
      [again.uploaded, again.bytesTransferred, again.unchanged],
      [[], 0, worker.uploaded.length],
    );
  } finally {
    s.cleanup();
  }
});

test('a bundle whose bytes differ from its manifest is refused, non-retryable, naming the file', async () => {
  const s = setup();
  try {
    const file = join(s.bundleDir, 'bin/kubelet');
    const bytes = readFileSync(file);
    bytes[100] ^= 0xff;
    writeFileSync(file, bytes);
    const err = await s.acts
      .ensureBinaries({ cluster: s.cluster, host: 'worker-1', bundleDir: s.bundleDir })
      .then(
        () => assert.fail('expected a refusal'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, ErrorTypes.BundleInvalid);
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /bin\/kubelet/);
    assert.equal(s.hosts.get('worker-1')?.files.size, 0, 'nothing placed on the host');
  } finally {
    s.cleanup();
  }
});

test('a host running another Kubernetes version is refused before any upload; an upgrade (changeVersion) replaces them', async () => {
  const s = setup();
  try {
    const worker = s.hosts.get('worker-1') as FakeHost;
    worker.kubeletVersion = 'v1.36.3';
    const err = await s.acts
      .ensureBinaries({ cluster: s.cluster, host: 'worker-1', bundleDir: s.bundleDir })
      .then(
        () => assert.fail('expected a refusal'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, ErrorTypes.VersionMismatch);
    assert.equal(err.nonRetryable, true);
    assert.match(
      err.message,
      /worker-1 runs Kubernetes v1\.36\.3 and the bundle carries v1\.37\.2: .*hakube upgrade -f FILE --to v1\.37\.2/,
    );
    assert.equal(worker.files.size, 0, 'nothing placed on the host');
    const upgraded = await s.acts.ensureBinaries({
      cluster: s.cluster,
      host: 'worker-1',
      bundleDir: s.bundleDir,
      changeVersion: true,
    });
    assert.ok(upgraded.uploaded.includes('/usr/local/bin/kubelet'));
    // The same version as the bundle's is no mismatch (a re-run of an install).
    worker.kubeletVersion = 'v1.37.2';
    const again = await s.acts.ensureBinaries({
      cluster: s.cluster,
      host: 'worker-1',
      bundleDir: s.bundleDir,
    });
    assert.deepEqual(again.uploaded, []);
  } finally {
    s.cleanup();
  }
});

/** worker-1 whose uploads fail as SFTP reports a full disk ("Failure"), `df` showing `freeKiB` free. */
function failingUploads(s: ReturnType<typeof setup>, freeKiB: number): void {
  const host = s.hosts.get('worker-1') as FakeHost;
  const find = host.exec.bind(host);
  host.ensureFile = async () => {
    throw new Error('worker-1 (root@10.1.1.21:22): Failure');
  };
  host.exec = async (command: string) =>
    command.startsWith('df ')
      ? { exitCode: 0, stdout: `tmpfs 2048 ${2048 - freeKiB} ${freeKiB} 99% /usr/local/bin\n`, stderr: '' }
      : find(command);
}

test('an upload that finds no room fails as DiskFull (retryable), naming the host, the file and the free space', async () => {
  const s = setup();
  try {
    failingUploads(s, 2);
    const err = await s.acts
      .ensureBinaries({ cluster: s.cluster, host: 'worker-1', bundleDir: s.bundleDir })
      .then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, ErrorTypes.DiskFull);
    assert.equal(err.nonRetryable, false);
    assert.match(
      err.message,
      /^worker-1: no space left for \/usr\/local\/bin\/\S+ \(0\.0 MiB needed, 0\.0 MiB free in \/usr\/local\/bin\)/,
    );
  } finally {
    s.cleanup();
  }
});

test('an upload that fails with room to spare keeps its own error', async () => {
  const s = setup();
  try {
    failingUploads(s, 1024);
    await assert.rejects(
      s.acts.ensureBinaries({ cluster: s.cluster, host: 'worker-1', bundleDir: s.bundleDir }),
      /^Error: worker-1 \(root@10\.1\.1\.21:22\): Failure$/,
    );
  } finally {
    s.cleanup();
  }
});

test('a spec that takes its images from the bundle refuses a bundle without images, before any upload', async () => {
  const s = setup({ images: { source: 'bundle' }, network: { cni: 'flannel' } });
  try {
    const err = await s.acts
      .ensureBinaries({ cluster: s.cluster, host: 'worker-1', bundleDir: s.bundleDir })
      .then(
        () => assert.fail('expected a refusal'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, ErrorTypes.BundleInvalid);
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /has no container images .*hakube bundle build/);
    assert.equal(s.hosts.get('worker-1')?.files.size, 0, 'nothing placed on the host');
  } finally {
    s.cleanup();
  }
});

test('steps on one worker hash an unchanged bundle once, and report how each was verified', async () => {
  const s = setup();
  try {
    const seen: string[] = [];
    const acts = createArtifactActivities({
      hosts: { hostFor: (_c, h) => s.hosts.get(h.name) as FakeHost },
      metrics: { bundleVerified: (how) => seen.push(how), snapshotStored: () => undefined },
    });
    const on = (host: string) => acts.ensureBinaries({ cluster: s.cluster, host, bundleDir: s.bundleDir });
    await Promise.all([on('master-1'), on('worker-1')]);
    await on('worker-1');
    assert.deepEqual(seen.sort(), ['cached', 'cached', 'verified']);
    await new Promise((r) => setTimeout(r, 20));
    const file = join(s.bundleDir, 'bin/kubelet');
    const bytes = readFileSync(file);
    bytes[1] ^= 0xff;
    writeFileSync(file, bytes);
    await assert.rejects(on('worker-1'), (e: unknown) => e instanceof ApplicationFailure);
    assert.equal(seen.at(-1), 'refused');
  } finally {
    s.cleanup();
  }
});
