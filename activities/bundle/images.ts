// The bundle's container images, built here from source: each image's binary (a Go build
// through buildGoRecipe, or pause.c with gcc), then an OCI archive written by image-builder
// (go-containerregistry). Both are cached:
//   <cache>/go/out/image-builder-<hash>/image-builder        the builder (hash of its source + Go)
//   <cache>/go/out/image-<id>-<version>-<arch>-<go>-<hash>/  the Go build of each image
//   <cache>/images/<name>-<tag>-<arch>-<key>.tar (+ .digest)  archives, keyed by builder + inputs
import { copyFile, chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  IMAGE_ROLES,
  PAUSE_SOURCE_FILE,
  imageArchivePath,
  imageOrigin,
  imageRef,
  parseImageTag,
  type BundleImage,
  type ImageRecipe,
} from '../../cluster/bundle';
import { BundleBuildError } from './errors';
import { run, type ProgressFn } from './exec';
import { describeFile, exists, publishDir, sha256File, sha256Text, tempSibling } from './files';
import { buildGoRecipe } from './go-module-build';
import { runGo, type GoBuildOptions, type GoToolchain } from './go-toolchain';
import { imageGoRecipe } from './source-recipes';

/** The builder's source files (activities/bundle/image-builder in the repository). */
const BUILDER_FILES = ['go.mod', 'go.sum', 'main.go'];

/** The image-builder source folder: next to this file (ts-node) or in the repo beside dist/. */
export async function imageBuilderSourceDir(): Promise<string> {
  const candidates = [
    join(__dirname, 'image-builder'),
    join(__dirname, '../../../activities/bundle/image-builder'),
  ];
  for (const c of candidates) if (await exists(join(c, 'main.go'))) return c;
  throw new BundleBuildError(`image-builder source not found (looked in ${candidates.join(', ')})`, 'images');
}

function hostGoArch(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x' };
  return map[process.arch] ?? process.arch;
}

export interface ImageBuilder {
  path: string;
  /** Hash of the builder's source and the Go toolchain: part of every archive's cache key. */
  hash: string;
}

/** Builds (or finds in the cache) the image-builder for this machine. */
export async function ensureImageBuilder(tc: GoToolchain, opts: GoBuildOptions): Promise<ImageBuilder> {
  const src = await imageBuilderSourceDir();
  const texts = await Promise.all(BUILDER_FILES.map((f) => readFile(join(src, f), 'utf8')));
  const hash = sha256Text(JSON.stringify({ files: texts, go: tc.version })).slice(0, 12);
  const outDir = join(opts.cacheDir, 'go', 'out', `image-builder-${hash}`);
  const path = join(outDir, 'image-builder');
  if (await exists(join(outDir, '.complete'))) return { path, hash };

  const work = join(opts.cacheDir, 'go', 'work', `image-builder-${hash}`);
  await mkdir(work, { recursive: true });
  for (const [i, f] of BUILDER_FILES.entries()) await writeFile(join(work, f), texts[i]);
  const tmp = await tempSibling(outDir);
  opts.onProgress?.(`images: go build image-builder (${tc.version})`);
  try {
    // It runs here, not on the nodes: built for this machine's arch.
    await runGo(tc, ['build', '-trimpath', '-ldflags', '-s -w', '-o', join(tmp, 'image-builder'), '.'], {
      ...opts,
      arch: hostGoArch(),
      cwd: work,
      component: 'images',
      what: 'go build image-builder',
    });
    await writeFile(join(tmp, '.complete'), `${tc.version}\n`);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await publishDir(tmp, outDir);
  return { path, hash };
}

/** What image-builder reads (see image-builder/main.go). */
export interface ImageSpec {
  name: string;
  os: string;
  arch: string;
  files: { source: string; path: string; mode: string }[];
  /** Prepared uncompressed tar files, one layer each, after the files' (conformance images). */
  layers?: string[];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  user?: string;
  workdir?: string;
  labels?: Record<string, string>;
  created?: string;
}

/**
 * Writes the archive for `spec` at `out` (through a temp file) and returns the manifest
 * digest image-builder printed.
 */
export async function runImageBuilder(
  builder: ImageBuilder,
  spec: ImageSpec,
  out: string,
  onProgress?: ProgressFn,
): Promise<string> {
  await mkdir(dirname(out), { recursive: true });
  const specPath = `${out}.spec.json`;
  await writeFile(specPath, JSON.stringify(spec, null, 2));
  try {
    const stdout = await run(builder.path, ['-spec', specPath, '-o', out], {
      captureStdout: true,
      component: 'images',
      heartbeat: onProgress ? { label: `images: build ${spec.name}`, onProgress } : undefined,
    });
    const digest = stdout.trim();
    if (!/^sha256:[0-9a-f]{64}$/.test(digest))
      throw new BundleBuildError(`image-builder printed "${digest}", not a digest`, 'images');
    return digest;
  } finally {
    await rm(specPath, { force: true });
  }
}

/**
 * The archive for `spec`, from the cache when the same builder already built the same
 * inputs (file and layer contents by sha256, not paths).
 */
export async function cachedImageArchive(
  builder: ImageBuilder,
  spec: ImageSpec,
  cacheDir: string,
  onProgress?: ProgressFn,
): Promise<{ path: string; digest: string; cached: boolean }> {
  const inputs = await Promise.all(
    spec.files.map(async (f) => ({ ...f, source: await sha256File(f.source) })),
  );
  const layers = spec.layers && (await Promise.all(spec.layers.map((l) => sha256File(l))));
  const key = sha256Text(
    JSON.stringify({ builder: builder.hash, spec: { ...spec, files: inputs, layers } }),
  ).slice(0, 16);
  const base = imageArchivePath(spec.name).slice('images/'.length, -'.tar'.length);
  const path = join(cacheDir, 'images', `${base}-${spec.arch}-${key}.tar`);
  const digestFile = `${path}.digest`;
  if ((await exists(path)) && (await exists(digestFile)))
    return { path, digest: (await readFile(digestFile, 'utf8')).trim(), cached: true };
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const digest = await runImageBuilder(builder, spec, tmp, onProgress);
    await rename(tmp, path);
    await writeFile(digestFile, `${digest}\n`);
    return { path, digest, cached: false };
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Module folder in GOMODCACHE (downloading it if needed) and its proxy info. */
async function moduleDir(tc: GoToolchain, module: string, version: string, opts: GoBuildOptions) {
  const out = await runGo(tc, ['mod', 'download', '-json', `${module}@${version}`], {
    ...opts,
    onProgress: undefined,
    captureStdout: true,
    component: 'images',
  });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir)
    throw new BundleBuildError(`${module}@${version}: ${info.Error ?? 'no module folder'}`, 'images');
  return info.Dir;
}

/** pause.c compiled as build/pause/Makefile does: gcc -Os -Wall -Werror -static -DVERSION=v<TAG>-<rev>. */
async function buildPause(
  recipe: ImageRecipe,
  tc: GoToolchain,
  opts: GoBuildOptions,
  workDir: string,
): Promise<string> {
  if (opts.arch !== hostGoArch())
    throw new BundleBuildError(`pause: gcc builds only for this machine's arch (${hostGoArch()})`, 'images');
  const dir = await moduleDir(tc, recipe.source.module, recipe.source.version, opts);
  const makefile = await readFile(join(dir, 'build/pause/Makefile'), 'utf8');
  const upstreamTag = /^TAG \?= (\S+)$/m.exec(makefile)?.[1];
  if (upstreamTag && upstreamTag !== recipe.tag)
    opts.onProgress?.(
      `images: note: ${recipe.source.module}@${recipe.source.version} builds pause ${upstreamTag}; the bundle names it ${imageRef(recipe, recipe.tag ?? '')} (the sandbox image)`,
    );
  const out = join(workDir, 'pause', 'pause');
  await mkdir(dirname(out), { recursive: true });
  const version = `v${upstreamTag ?? recipe.tag}-${recipe.source.version}`;
  opts.onProgress?.(`images: gcc -Os -static ${PAUSE_SOURCE_FILE} (${version})`);
  await run(
    'gcc',
    ['-Os', '-Wall', '-Werror', '-static', `-DVERSION=${version}`, '-o', out, join(dir, PAUSE_SOURCE_FILE)],
    {
      component: 'images',
    },
  );
  return out;
}

async function imageTag(recipe: ImageRecipe, tc: GoToolchain, opts: GoBuildOptions): Promise<string> {
  if (recipe.tag) return recipe.tag;
  if (!recipe.tagFile) throw new BundleBuildError(`${recipe.id}: no tag`, 'images');
  const dir = await moduleDir(tc, recipe.source.module, recipe.source.version, opts);
  try {
    return parseImageTag(await readFile(join(dir, recipe.tagFile), 'utf8'));
  } catch (err) {
    throw new BundleBuildError(`${recipe.id}: ${recipe.tagFile}: ${(err as Error).message}`, 'images');
  }
}

export interface BuildImagesOptions extends GoBuildOptions {
  /** Scratch folder (deleted by the caller). */
  workDir: string;
}

/** Builds every image of `table` and places its archive in the bundle; returns the manifest entries. */
export async function buildImages(
  tc: GoToolchain,
  table: readonly ImageRecipe[],
  bundleDir: string,
  opts: BuildImagesOptions,
): Promise<BundleImage[]> {
  if (!table.length) return [];
  const builder = await ensureImageBuilder(tc, opts);
  const images: BundleImage[] = [];
  for (const recipe of table) {
    const started = Date.now();
    const tag = await imageTag(recipe, tc, opts);
    const name = imageRef(recipe, tag);
    const binary =
      recipe.source.kind === 'pause'
        ? await buildPause(recipe, tc, opts, opts.workDir)
        : Object.values((await buildGoRecipe(tc, imageGoRecipe(recipe), opts)).binaries)[0];
    const origin = imageOrigin(recipe);
    const spec: ImageSpec = {
      name,
      os: 'linux',
      arch: opts.arch,
      files: [{ source: binary, path: recipe.binary, mode: '0755' }],
      entrypoint: [...recipe.entrypoint],
      ...(recipe.cmd ? { cmd: [...recipe.cmd] } : {}),
      ...(recipe.user ? { user: recipe.user } : {}),
      labels: { 'org.opencontainers.image.version': tag, 'io.hakube.origin': origin },
    };
    const archive = await cachedImageArchive(builder, spec, opts.cacheDir, opts.onProgress);
    const rel = imageArchivePath(name);
    const dest = join(bundleDir, rel);
    await mkdir(dirname(dest), { recursive: true });
    await copyFile(archive.path, dest);
    await chmod(dest, 0o644);
    const file = await describeFile(bundleDir, rel);
    images.push({
      name,
      digest: archive.digest,
      origin,
      file: { ...file, mode: '0644' },
      roles: [...IMAGE_ROLES],
    });
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    opts.onProgress?.(
      `images: ${name} ${archive.digest.slice(0, 19)} ${(file.size / 1048576).toFixed(1)} MiB (${archive.cached ? 'cached' : `built, ${secs} s`})`,
    );
  }
  return images;
}
