// The Go build information a bundle records, against the Go toolchain's own reading of the
// binary. A tiny program is built offline with this machine's Go: its dependency comes from a
// file:// module proxy written here (so go.sum has a real h1: hash), with a version replace
// and a local-folder replace, and the bundle's build flags (-trimpath, CGO_ENABLED=0). It is
// placed as a source component's binary and as the binary of a (hand-made) coredns image; a
// release binary and the pause image get nothing. Skipped without Go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import {
  BundleBuildError,
  backfillGoBuildInfo,
  readManifest,
  recordGoBuildInfo,
  verifyBundle,
} from '../../activities/bundle';
import { describeFile } from '../../activities/bundle/files';
import { findGo, type GoToolchain } from '../../activities/bundle/go-toolchain';
import {
  MANIFEST_FILE,
  parseGoVersionM,
  renderGoVersionM,
  renderManifest,
  type BundleManifest,
  type GoBuildInfo,
  type GoModule,
} from '../../cluster/bundle';

const run = promisify(execFile);

const MKZIP = `// mkzip writes a module zip: the files of a folder under <module>@<version>/.
package main

import (
	"archive/zip"
	"os"
	"path/filepath"
)

func main() {
	src, prefix, out := os.Args[1], os.Args[2], os.Args[3]
	f, err := os.Create(out)
	if err != nil {
		panic(err)
	}
	w := zip.NewWriter(f)
	err = filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		zw, err := w.Create(prefix + "/" + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil {
			_, err = zw.Write(b)
		}
		return err
	})
	if err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
}
`;

const HELLO_GO_MOD = `module example.com/hello

go 1.22

require (
	example.com/greet v1.0.0
	example.com/local v0.0.0
)

replace example.com/greet v1.0.0 => example.com/greet v1.1.0

replace example.com/local => ../localdep
`;

const HELLO_MAIN = `package main

import (
	"fmt"

	"example.com/greet"
	"example.com/local"
)

func main() { fmt.Println(greet.Hello(), local.Name) }
`;

function hostGoArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
}

async function write(path: string, text: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
}

/** Builds example.com/hello (offline) as `hakube bundle build` builds: -trimpath, static. */
async function buildHello(
  tc: GoToolchain,
  root: string,
): Promise<{ binary: string; env: NodeJS.ProcessEnv }> {
  const proxy = join(root, 'proxy');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GOPROXY: pathToFileURL(proxy).href,
    GOSUMDB: 'off',
    GOMODCACHE: join(root, 'modcache'),
    GOFLAGS: '-mod=mod -buildvcs=false',
    GOTOOLCHAIN: 'local',
    GOWORK: 'off',
    CGO_ENABLED: '0',
    GOOS: 'linux',
    GOARCH: hostGoArch(),
  };
  await write(join(root, 'mkzip', 'go.mod'), 'module mkzip\n\ngo 1.22\n');
  await write(join(root, 'mkzip', 'main.go'), MKZIP);
  const vdir = join(proxy, 'example.com', 'greet', '@v');
  await mkdir(vdir, { recursive: true });
  for (const v of ['v1.0.0', 'v1.1.0']) {
    const src = join(root, `greet-${v}`);
    await write(join(src, 'go.mod'), 'module example.com/greet\n\ngo 1.22\n');
    await write(join(src, 'greet.go'), `package greet\n\nfunc Hello() string { return "hello ${v}" }\n`);
    await run(tc.go, ['run', '.', src, `example.com/greet@${v}`, join(vdir, `${v}.zip`)], {
      cwd: join(root, 'mkzip'),
      env: { ...env, GOFLAGS: '' },
    });
    await copyFile(join(src, 'go.mod'), join(vdir, `${v}.mod`));
    await writeFile(join(vdir, `${v}.info`), JSON.stringify({ Version: v, Time: '2024-01-01T00:00:00Z' }));
  }
  await writeFile(join(vdir, 'list'), 'v1.0.0\nv1.1.0\n');
  await write(join(root, 'localdep', 'go.mod'), 'module example.com/local\n\ngo 1.22\n');
  await write(join(root, 'localdep', 'local.go'), 'package local\n\nconst Name = "local"\n');
  const hello = join(root, 'hello');
  await write(join(hello, 'go.mod'), HELLO_GO_MOD);
  await write(join(hello, 'main.go'), HELLO_MAIN);
  await run(tc.go, ['mod', 'tidy'], { cwd: hello, env });
  const binary = join(root, 'hello.bin');
  await run(tc.go, ['build', '-trimpath', '-ldflags', '-s -w', '-o', binary, '.'], { cwd: hello, env });
  return { binary, env };
}

/** runtime/debug.BuildInfo as `go version -m -json` prints it, in the manifest's shape. */
function fromGoJson(text: string): GoBuildInfo {
  type M = { Path: string; Version: string; Sum?: string; Replace?: M };
  const j = JSON.parse(text) as {
    GoVersion: string;
    Path: string;
    Main?: M;
    Deps?: M[];
    Settings?: { Key: string; Value: string }[];
  };
  const mod = (m: M): GoModule => ({ path: m.Path, version: m.Version, ...(m.Sum ? { sum: m.Sum } : {}) });
  return {
    goVersion: j.GoVersion,
    path: j.Path,
    ...(j.Main?.Path ? { main: mod(j.Main) } : {}),
    deps: (j.Deps ?? []).map((d) => ({ ...mod(d), ...(d.Replace ? { replace: mod(d.Replace) } : {}) })),
    settings: Object.fromEntries((j.Settings ?? []).map((s) => [s.Key, s.Value])),
  };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A one-layer OCI image archive (as image-builder writes one) holding `content` at `path`. */
async function ociArchive(out: string, name: string, path: string, content: Buffer): Promise<string> {
  const tarOf = async (entries: { name: string; body: Buffer; mode: number }[]) => {
    const p = pack();
    for (const e of entries) p.entry({ name: e.name, mode: e.mode, mtime: new Date(0) }, e.body);
    p.finalize();
    const chunks: Buffer[] = [];
    for await (const c of p as AsyncIterable<Buffer>) chunks.push(c);
    return Buffer.concat(chunks);
  };
  const layerTar = await tarOf([{ name: path.slice(1), body: content, mode: 0o755 }]);
  const layer = gzipSync(layerTar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: hostGoArch(),
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(layerTar)}`] },
      config: { Entrypoint: [path] },
    }),
  );
  const desc = (mediaType: string, b: Buffer) => ({
    mediaType,
    digest: `sha256:${sha256(b)}`,
    size: b.length,
  });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: desc('application/vnd.oci.image.config.v1+json', config),
      layers: [desc('application/vnd.oci.image.layer.v1.tar+gzip', layer)],
    }),
  );
  const entry = {
    ...desc('application/vnd.oci.image.manifest.v1+json', manifest),
    annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name },
  };
  const blob = (b: Buffer) => ({ name: `blobs/sha256/${sha256(b)}`, body: b, mode: 0o644 });
  const archive = await tarOf([
    { name: 'oci-layout', body: Buffer.from('{"imageLayoutVersion":"1.0.0"}'), mode: 0o644 },
    {
      name: 'index.json',
      body: Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [entry] })),
      mode: 0o644,
    },
    blob(config),
    blob(layer),
    blob(manifest),
  ]);
  await mkdir(join(out, '..'), { recursive: true });
  await writeFile(out, archive);
  return entry.digest;
}

const COREDNS = 'registry.k8s.io/coredns/coredns:v1.15.0';
const PAUSE = 'registry.k8s.io/pause:3.10';

/** A bundle as an older hakube wrote it: crictl built from source, runc a release, two images. */
async function oldBundle(dir: string, hello: string): Promise<BundleManifest> {
  await mkdir(join(dir, 'bin'), { recursive: true });
  await copyFile(hello, join(dir, 'bin', 'crictl'));
  await writeFile(join(dir, 'bin', 'runc'), '#!/bin/sh\necho runc\n');
  for (const f of ['crictl', 'runc']) await chmod(join(dir, 'bin', f), 0o755);
  const images = [];
  for (const [name, rel, path, content] of [
    [COREDNS, 'images/coredns-v1.15.0.tar', '/coredns', await readFile(hello)],
    [PAUSE, 'images/pause-3.10.tar', '/pause', Buffer.from('not go')],
  ] as const) {
    const digest = await ociArchive(join(dir, rel), name, path, content);
    await chmod(join(dir, rel), 0o644);
    images.push({
      name,
      digest,
      origin:
        name === PAUSE
          ? 'build/pause/linux/pause.c@k8s.io/kubernetes@v1.37.2'
          : 'github.com/coredns/coredns@v1.15.0',
      file: { ...(await describeFile(dir, rel)), mode: '0644' as const },
      roles: ['control-plane' as const, 'worker' as const],
    });
  }
  const manifest: BundleManifest = {
    apiVersion: 'hakube.io/v1alpha1',
    kind: 'Bundle',
    kubernetesVersion: 'v1.37.2',
    arch: hostGoArch(),
    createdAt: '2026-11-23T00:00:00.000Z',
    goVersion: 'go1.26.8',
    cacheKey: 'v1.37.2-amd64-go1.26.8-000000000000',
    components: [
      {
        name: 'crictl',
        version: 'v1.36.0',
        source: 'source',
        origin: 'sigs.k8s.io/cri-tools@v1.36.0',
        files: [await describeFile(dir, 'bin/crictl')],
      },
      {
        name: 'runc',
        version: 'v1.5.2',
        source: 'release',
        origin: 'https://github.com/opencontainers/runc/releases/download/v1.5.2/runc.amd64',
        files: [await describeFile(dir, 'bin/runc')],
      },
    ],
    images,
  };
  await writeFile(join(dir, MANIFEST_FILE), renderManifest(manifest));
  return manifest;
}

test(
  'recorded Go build information matches go version -m, for binaries and image binaries',
  { timeout: 300_000 },
  async (t) => {
    let tc: GoToolchain;
    try {
      tc = await findGo();
    } catch {
      t.skip('no Go toolchain (set HAKUBE_GO or put go on PATH)');
      return;
    }
    const root = await mkdtemp(join(tmpdir(), 'hakube-gobuildinfo-'));
    let env: NodeJS.ProcessEnv | undefined;
    try {
      const built = await buildHello(tc, root);
      env = built.env;
      const viaJson = fromGoJson((await run(tc.go, ['version', '-m', '-json', built.binary])).stdout);
      const viaText = (await run(tc.go, ['version', '-m', built.binary])).stdout;
      // What the test program is meant to exercise.
      assert.equal(viaJson.main?.version, '(devel)');
      assert.match(viaJson.deps[0].replace?.sum ?? '', /^h1:/);
      assert.equal(viaJson.deps[1].replace?.path, '../localdep');
      assert.equal(viaJson.settings['-trimpath'], 'true');
      assert.equal(viaJson.settings.CGO_ENABLED, '0');
      // The text parser reads what debug.BuildInfo holds, and renders the very same text.
      const [parsed] = parseGoVersionM(viaText);
      assert.deepEqual(parsed.info, viaJson);
      assert.equal(renderGoVersionM(built.binary, parsed.info), viaText);

      // A cached bundle from before: recorded in place; files and cache key unchanged.
      const dir = join(root, 'bundle');
      const before = await oldBundle(dir, built.binary);
      await verifyBundle(dir);
      const recorded = await backfillGoBuildInfo(dir, tc, { scratchDir: join(root, 'scratch') });
      assert.equal(recorded.binaries, 2);
      assert.equal(recorded.modules, 4);
      const after = await readManifest(dir);
      assert.deepEqual(after.components[0].files[0].go, viaJson);
      assert.equal(after.components[1].files[0].go, undefined, 'a release binary records nothing');
      assert.deepEqual(after.images?.[0].binaries, [{ path: '/coredns', go: viaJson }]);
      assert.equal(after.images?.[1].binaries, undefined, 'pause records nothing');
      assert.equal(after.cacheKey, before.cacheKey);
      assert.deepEqual(
        after.components.map((c) => c.files.map((f) => f.sha256)),
        before.components.map((c) => c.files.map((f) => f.sha256)),
      );
      await verifyBundle(dir);

      // Once recorded, nothing to do: the manifest stays byte for byte.
      const text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
      assert.equal((await backfillGoBuildInfo(dir, tc)).binaries, 0);
      assert.equal(await readFile(join(dir, MANIFEST_FILE), 'utf8'), text);

      // A source component's file that is not a Go binary is a build error, not a silent gap.
      const m = structuredClone(before);
      m.components[0].files = [await describeFile(dir, 'bin/runc')];
      await assert.rejects(recordGoBuildInfo(dir, m, tc), BundleBuildError);
    } finally {
      // Module cache folders are read-only: Go removes them.
      if (env) await run(tc.go, ['clean', '-modcache'], { env }).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    }
  },
);
