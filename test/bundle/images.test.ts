// The real image-builder (go-containerregistry) writes a small OCI archive; the bundle
// verification accepts it, and refuses it once one byte of a layer blob is flipped (naming
// the blob), once a blob is missing, or when the manifest records another digest. With a
// containerd 1.6 at hand (HAKUBE_TEST_CONTAINERD_DIR, or a built bundle's bin/), a throwaway
// containerd imports the archive under its full name. Skipped (with a message) without Go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract, pack } from 'tar-stream';
import { BundleVerifyError, verifyBundle, verifyImageArchive } from '../../activities/bundle';
import { describeFile, sha256File } from '../../activities/bundle/files';
import { findGo, type GoToolchain } from '../../activities/bundle/go-toolchain';
import { ensureImageBuilder, runImageBuilder, type ImageSpec } from '../../activities/bundle/images';
import { hakubeCache } from '../../client/paths';
import { MANIFEST_FILE, renderManifest, type BundleManifest } from '../../cluster/bundle';

const NAME = 'registry.example.io/hakube/tiny:v1';
const REL = 'images/tiny-v1.tar';

async function goOrSkip(t: { skip: (m: string) => void }): Promise<GoToolchain | undefined> {
  try {
    return await findGo();
  } catch {
    t.skip('no Go toolchain (set HAKUBE_GO or put go on PATH): image-builder cannot be built');
    return undefined;
  }
}

/** Rewrites the tar at `path`, letting `edit` change or drop (return null) each file's bytes. */
async function rewriteTar(path: string, edit: (name: string, body: Buffer) => Buffer | null): Promise<void> {
  const entries: { header: import('tar-stream').Header; body: Buffer }[] = [];
  const ex = extract();
  const reading = pipeline(createReadStream(path), ex);
  for await (const entry of ex) {
    const chunks: Buffer[] = [];
    for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
    entries.push({ header: entry.header, body: Buffer.concat(chunks) });
  }
  await reading;
  const p = pack();
  const writing = pipeline(p, createWriteStream(path));
  for (const e of entries) {
    const body = e.header.type === 'file' ? edit(e.header.name, e.body) : e.body;
    if (body === null) continue;
    p.entry({ ...e.header, size: body.length }, body);
  }
  p.finalize();
  await writing;
}

async function layerBlobs(path: string): Promise<{ name: string; size: number }[]> {
  const index = JSON.parse(execFileSync('tar', ['-xOf', path, 'index.json'], { encoding: 'utf8' })) as {
    manifests: { digest: string }[];
  };
  const manifest = JSON.parse(
    execFileSync('tar', ['-xOf', path, `blobs/sha256/${index.manifests[0].digest.slice(7)}`], {
      encoding: 'utf8',
    }),
  ) as { layers: { digest: string; size: number }[] };
  return manifest.layers.map((l) => ({ name: `blobs/sha256/${l.digest.slice(7)}`, size: l.size }));
}

async function writeBundle(dir: string, digest: string): Promise<BundleManifest> {
  await mkdir(join(dir, 'bin'), { recursive: true });
  await writeFile(join(dir, 'bin', 'kubectl'), '#!/bin/sh\necho kubectl\n');
  await chmod(join(dir, 'bin', 'kubectl'), 0o755);
  const manifest: BundleManifest = {
    apiVersion: 'hakube.io/v1alpha1',
    kind: 'Bundle',
    kubernetesVersion: 'v1.37.2',
    arch: 'amd64',
    createdAt: '2026-11-23T00:00:00.000Z',
    components: [
      {
        name: 'kubectl',
        version: 'v1.37.2',
        source: 'source',
        origin: 'k8s.io/kubernetes@v1.37.2',
        files: [await describeFile(dir, 'bin/kubectl')],
      },
    ],
    images: [
      {
        name: NAME,
        digest,
        origin: 'test',
        file: { ...(await describeFile(dir, REL)), mode: '0644' },
        roles: ['control-plane', 'worker'],
      },
    ],
  };
  await writeFile(join(dir, MANIFEST_FILE), renderManifest(manifest));
  return manifest;
}

test('image-builder writes a reproducible OCI archive that verify accepts and checks blob by blob', async (t) => {
  const tc = await goOrSkip(t);
  if (!tc) return;
  const scratch = await mkdtemp(join(tmpdir(), 'hakube-images-'));
  t.after(() => rm(scratch, { recursive: true, force: true }));
  const builder = await ensureImageBuilder(tc, { cacheDir: hakubeCache(), arch: 'amd64' });

  await writeFile(join(scratch, 'hello.txt'), 'hello from hakube\n');
  await writeFile(join(scratch, 'tool'), Buffer.alloc(200_000, 7));
  const spec: ImageSpec = {
    name: NAME,
    os: 'linux',
    arch: 'amd64',
    files: [
      { source: join(scratch, 'tool'), path: '/opt/bin/tool', mode: '0755' },
      { source: join(scratch, 'hello.txt'), path: '/etc/hello.txt', mode: '0644' },
    ],
    entrypoint: ['/opt/bin/tool'],
    user: '65534',
  };
  const bundle = join(scratch, 'bundle');
  const archive = join(bundle, REL);
  const digest = await runImageBuilder(builder, spec, archive);
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  const again = await runImageBuilder(builder, spec, join(scratch, 'again.tar'));
  assert.equal(again, digest, 'same inputs, same manifest digest');
  assert.equal(await sha256File(join(scratch, 'again.tar')), await sha256File(archive), 'same archive bytes');

  // The layout containerd reads: oci-layout, index.json with the full name, blobs.
  const listing = execFileSync('tar', ['-tf', archive], { encoding: 'utf8' }).trim().split('\n');
  assert.ok(listing.includes('oci-layout') && listing.includes('index.json'), listing.join(' '));
  const index = JSON.parse(execFileSync('tar', ['-xOf', archive, 'index.json'], { encoding: 'utf8' })) as {
    manifests: { digest: string; annotations: Record<string, string> }[];
  };
  assert.equal(index.manifests.length, 1);
  assert.equal(index.manifests[0].digest, digest);
  assert.equal(index.manifests[0].annotations['io.containerd.image.name'], NAME);
  assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], NAME);

  const report = await verifyImageArchive(archive, REL, { name: NAME, digest });
  assert.equal(report.layers.length, 2, 'one layer per file');
  await writeBundle(bundle, digest);
  const ok = await verifyBundle(bundle);
  assert.deepEqual(ok.images, [{ name: NAME, digest, layers: 2 }]);
  assert.equal(ok.files, 2);

  // The manifest records another digest: refused.
  const other = `sha256:${'0'.repeat(64)}`;
  await assert.rejects(
    verifyImageArchive(archive, REL, { name: NAME, digest: other }),
    (e: Error) => e instanceof BundleVerifyError && /bundle manifest says sha256:0000/.test(e.message),
  );
  await assert.rejects(
    verifyImageArchive(archive, REL, { name: 'registry.example.io/hakube/other:v1', digest }),
    (e: Error) =>
      e instanceof BundleVerifyError &&
      /no manifest named registry\.example\.io\/hakube\/other:v1/.test(e.message),
  );

  // One byte flipped inside the biggest layer blob (the tar rewritten around it).
  const [layer] = (await layerBlobs(archive)).sort((a, b) => b.size - a.size);
  const pristine = await readFile(archive);
  await rewriteTar(archive, (name, body) => {
    if (name !== layer.name) return body;
    const copy = Buffer.from(body);
    copy[Math.floor(copy.length / 2)] ^= 0x01;
    return copy;
  });
  // The archive no longer matches the manifest's sha256 ...
  await assert.rejects(
    verifyBundle(bundle),
    (e: Error) => e instanceof BundleVerifyError && e.message.startsWith(`${REL}: sha256 `),
  );
  // ... and even with the manifest's file hash updated (corrupted before it was recorded),
  // the blob check names the image and the blob.
  await writeBundle(bundle, digest);
  await assert.rejects(verifyBundle(bundle), (e: Error) => {
    assert.ok(e instanceof BundleVerifyError, String(e));
    assert.equal(e.file, REL);
    assert.match(
      e.message,
      new RegExp(`image ${NAME.replace(/\./g, '\\.')}: blob ${layer.name} is corrupted`),
    );
    return true;
  });

  // A missing layer blob is refused too.
  await writeFile(archive, pristine);
  await rewriteTar(archive, (name, body) => (name === layer.name ? null : body));
  await assert.rejects(
    verifyImageArchive(archive, REL, { name: NAME, digest }),
    (e: Error) => e instanceof BundleVerifyError && e.message.includes(`${layer.name.slice(13)} is missing`),
  );
});

test('prepared tar layers (the conformance images) go in one layer each, after the files', async (t) => {
  const tc = await goOrSkip(t);
  if (!tc) return;
  const scratch = await mkdtemp(join(tmpdir(), 'hakube-images-'));
  t.after(() => rm(scratch, { recursive: true, force: true }));
  const builder = await ensureImageBuilder(tc, { cacheDir: hakubeCache(), arch: 'amd64' });
  await mkdir(join(scratch, 'root', 'bin'), { recursive: true });
  await writeFile(join(scratch, 'root', 'bin', 'sh'), Buffer.alloc(50_000, 3));
  const userland = join(scratch, 'userland.tar');
  execFileSync('tar', [
    '--create',
    '--file',
    userland,
    '--directory',
    join(scratch, 'root'),
    '--sort=name',
    '.',
  ]);
  await writeFile(join(scratch, 'hello.txt'), 'hello\n');
  const spec: ImageSpec = {
    name: NAME,
    os: 'linux',
    arch: 'amd64',
    files: [{ source: join(scratch, 'hello.txt'), path: '/etc/hello.txt', mode: '0644' }],
    layers: [userland],
    cmd: ['sh'],
  };
  const archive = join(scratch, 'image.tar');
  const digest = await runImageBuilder(builder, spec, archive);
  const report = await verifyImageArchive(archive, 'image.tar', { name: NAME, digest });
  assert.equal(report.layers.length, 2, 'the file, then the prepared layer');
  // The prepared tar is the layer as it is: its uncompressed digest is the config's last diff_id.
  const index = JSON.parse(execFileSync('tar', ['-xOf', archive, 'index.json'], { encoding: 'utf8' })) as {
    manifests: { digest: string }[];
  };
  const manifest = JSON.parse(
    execFileSync('tar', ['-xOf', archive, `blobs/sha256/${index.manifests[0].digest.slice(7)}`], {
      encoding: 'utf8',
    }),
  ) as { config: { digest: string } };
  const config = JSON.parse(
    execFileSync('tar', ['-xOf', archive, `blobs/sha256/${manifest.config.digest.slice(7)}`], {
      encoding: 'utf8',
    }),
  ) as { rootfs: { diff_ids: string[] } };
  assert.equal(config.rootfs.diff_ids.at(-1), `sha256:${await sha256File(userland)}`);
  await assert.rejects(
    runImageBuilder(builder, { ...spec, files: [], layers: [] }, join(scratch, 'empty.tar')),
    /no files and no layers/,
  );
});

/** ctr and containerd from HAKUBE_TEST_CONTAINERD_DIR or a built bundle in the hakube cache. */
function findContainerd(): string | undefined {
  const dirs = [process.env.HAKUBE_TEST_CONTAINERD_DIR].filter((d): d is string => !!d);
  const bundles = join(hakubeCache(), 'bundles');
  if (existsSync(bundles))
    for (const b of readdirSync(bundles)
      .filter((n) => !n.startsWith('.'))
      .sort())
      dirs.push(join(bundles, b, 'bin'));
  return dirs.find((d) => existsSync(join(d, 'containerd')) && existsSync(join(d, 'ctr')));
}

test('containerd imports the archive under its full name', { timeout: 120_000 }, async (t) => {
  const tc = await goOrSkip(t);
  if (!tc) return;
  const bin = findContainerd();
  if (!bin || process.getuid?.() !== 0) {
    t.skip('no containerd/ctr (set HAKUBE_TEST_CONTAINERD_DIR or build a bundle) or not root');
    return;
  }
  const scratch = await mkdtemp(join(tmpdir(), 'hakube-ctrd-'));
  const sock = join(scratch, 'sock');
  await writeFile(
    join(scratch, 'config.toml'),
    `version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${sock}"\n`,
  );
  const daemon = spawn(
    join(bin, 'containerd'),
    [
      '--config',
      join(scratch, 'config.toml'),
      '--root',
      join(scratch, 'root'),
      '--state',
      join(scratch, 'state'),
      '--address',
      sock,
    ],
    { stdio: 'ignore' },
  );
  t.after(async () => {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    await rm(scratch, { recursive: true, force: true });
  });
  const ctr = (...args: string[]) =>
    execFileSync(join(bin, 'ctr'), ['--address', sock, '-n', 'k8s.io', ...args], { encoding: 'utf8' });
  for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));

  const builder = await ensureImageBuilder(tc, { cacheDir: hakubeCache(), arch: 'amd64' });
  await writeFile(join(scratch, 'hello.txt'), 'hello\n');
  const archive = join(scratch, 'tiny.tar');
  const digest = await runImageBuilder(
    builder,
    {
      name: NAME,
      os: 'linux',
      arch: 'amd64',
      files: [{ source: join(scratch, 'hello.txt'), path: '/hello.txt', mode: '0644' }],
    },
    archive,
  );
  t.diagnostic(ctr('images', 'import', archive).trim());
  const listed = ctr('images', 'ls');
  t.diagnostic(listed.trim());
  const row = listed.split('\n').find((l) => l.startsWith(`${NAME} `));
  assert.ok(row, listed);
  assert.ok(row.includes(digest), row);
});
