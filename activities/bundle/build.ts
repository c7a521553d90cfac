// buildBundle: resolve the request, reuse the cached bundle when its key matches, or
// assemble one in a temp folder, verify it, and publish it with a rename. With `out`, the
// cached bundle is then copied there (also atomically).
import { cp, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  BUNDLE_API_VERSION,
  DEFAULT_ARCH,
  MANIFEST_FILE,
  renderManifest,
  type BundleManifest,
} from '../../cluster/bundle';
import { assembleComponents } from './assemble';
import { BundleBuildError, BundleVerifyError } from './errors';
import type { ProgressFn } from './exec';
import { exists, publishDir, tempSibling } from './files';
import { backfillGoBuildInfo, recordGoBuildInfo } from './go-buildinfo';
import { buildImages } from './images';
import { resolveBuild, type ImageSelection, type ResolvedBuild } from './resolve';
import { readManifest, verifyBundle, type BundleVerifyReport } from './verify';

export interface BuildBundleInput {
  /** Default: pickDefaultKubernetesVersion for the local Go toolchain. */
  kubernetesVersion?: string;
  /** Copy the bundle here too; default: only the cache folder. */
  out?: string;
  /** --from text: `source`, `debian`, `release`, or `kubernetes=source,etcd=debian,...`. */
  from?: string;
  arch?: string;
  /** Mirror base URL for `release` downloads. */
  mirror?: string;
  /**
   * Container images built from source ('all' | 'none'). Default: 'all' when a component
   * is built from source (the default bundle), else 'none'.
   */
  images?: ImageSelection;
  /** The hakube cache root (HAKUBE_CACHE). */
  cacheDir: string;
  onProgress?: ProgressFn;
  /** `go build -p N` for source builds (default: Go's own, every core). */
  goParallelism?: number;
  /** Run Go builds at nice 15. */
  goLowPriority?: boolean;
  /** Clock for the manifest's createdAt (tests pass a fixed one). */
  now?: () => Date;
}

export interface BuildBundleResult {
  /** Where the bundle is: `out` when given, else the cache folder. */
  dir: string;
  cacheDir: string;
  cached: boolean;
  cacheKey: string;
  notes: string[];
  manifest: BundleManifest;
  report: BundleVerifyReport;
  seconds: number;
}

export function bundlesDir(cacheDir: string): string {
  return join(cacheDir, 'bundles');
}

/**
 * `bundles/<k8s>-<arch>`: a link to the bundle last built or verified for that Kubernetes version
 * and arch, so a spec (the lab's, for one) can name a bundle without knowing the Go toolchain
 * in its key. Replaced atomically.
 */
export function latestBundleLink(cacheDir: string, kubernetesVersion: string, arch: string): string {
  return join(bundlesDir(cacheDir), `${kubernetesVersion}-${arch}`);
}

async function pointLatestAt(link: string, cacheName: string): Promise<void> {
  const tmp = `${link}.tmp-${process.pid}`;
  await rm(tmp, { force: true });
  await symlink(cacheName, tmp);
  await rename(tmp, link);
}

/** A cached bundle that no longer verifies is moved aside (kept for inspection), not deleted. */
async function cachedBundle(dir: string, onProgress?: ProgressFn): Promise<BundleVerifyReport | undefined> {
  if (!(await exists(dir))) return undefined;
  try {
    return await verifyBundle(dir);
  } catch (err) {
    if (!(err instanceof BundleVerifyError)) throw err;
    const aside = `${dir}.broken-${Date.now()}`;
    onProgress?.(`cached bundle ${dir} failed verification (${err.message}); moved to ${aside}`);
    await rename(dir, aside);
    return undefined;
  }
}

async function buildIntoCache(
  build: ResolvedBuild,
  finalDir: string,
  input: BuildBundleInput,
): Promise<BundleVerifyReport> {
  const tmp = await tempSibling(finalDir);
  await mkdir(join(input.cacheDir, 'tmp'), { recursive: true });
  const workDir = await mkdtemp(join(input.cacheDir, 'tmp', 'work-'));
  try {
    const components = await assembleComponents(build, tmp, {
      cacheDir: input.cacheDir,
      workDir,
      goParallelism: input.goParallelism,
      goLowPriority: input.goLowPriority,
      onProgress: input.onProgress,
    });
    const images =
      build.images.length && build.toolchain
        ? await buildImages(build.toolchain, build.images, tmp, {
            cacheDir: input.cacheDir,
            arch: build.arch,
            workDir,
            parallelism: input.goParallelism,
            lowPriority: input.goLowPriority,
            onProgress: input.onProgress,
          })
        : [];
    const assembled: BundleManifest = {
      apiVersion: BUNDLE_API_VERSION,
      kind: 'Bundle',
      kubernetesVersion: build.kubernetesVersion,
      arch: build.arch,
      createdAt: (input.now ?? (() => new Date()))().toISOString(),
      ...(build.toolchain ? { goVersion: build.toolchain.version } : {}),
      cacheKey: build.cacheName,
      components,
      ...(images.length ? { images } : {}),
    };
    // Read from the placed files (cached Go builds included), so it describes the bundle's bytes.
    let manifest = assembled;
    if (build.toolchain) {
      const recorded = await recordGoBuildInfo(tmp, assembled, build.toolchain, { scratchDir: workDir });
      manifest = recorded.manifest;
      input.onProgress?.(
        `go version -m: ${recorded.binaries} Go binaries, ${recorded.modules} module entries recorded`,
      );
    }
    await writeFile(join(tmp, MANIFEST_FILE), renderManifest(manifest));
    const report = await verifyBundle(tmp);
    await publishDir(tmp, finalDir);
    return { ...report, dir: finalDir };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Copies the cached bundle to `out`, unless `out` already holds the same verified bundle. */
async function copyToOut(
  from: string,
  out: string,
  cacheKey: string,
  onProgress?: ProgressFn,
): Promise<boolean> {
  if (await exists(out)) {
    const existing = await readManifest(out).catch(() => undefined);
    if (existing?.cacheKey !== cacheKey)
      throw new BundleBuildError(
        `--out ${out} exists and is not this bundle; choose a new folder or remove it`,
      );
    await verifyBundle(out);
    return true;
  }
  const tmp = await tempSibling(out);
  try {
    await cp(from, tmp, { recursive: true, preserveTimestamps: true });
    await verifyBundle(tmp);
    await publishDir(tmp, out);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  onProgress?.(`copied to ${out}`);
  return false;
}

function goBackfillOpts(input: BuildBundleInput) {
  return { scratchDir: join(input.cacheDir, 'tmp'), onProgress: input.onProgress };
}

export async function buildBundle(input: BuildBundleInput): Promise<BuildBundleResult> {
  const started = Date.now();
  const progress = input.onProgress;
  const build = await resolveBuild({
    kubernetesVersion: input.kubernetesVersion,
    from: input.from,
    arch: input.arch ?? DEFAULT_ARCH,
    mirror: input.mirror,
    images: input.images,
  });
  for (const note of build.notes) progress?.(`note: ${note}`);
  const cachedDir = join(bundlesDir(input.cacheDir), build.cacheName);
  progress?.(`bundle ${build.cacheName}`);

  let report = await cachedBundle(cachedDir, progress);
  const cached = !!report;
  if (report) {
    progress?.(`cache hit: ${cachedDir}`);
    // A bundle built before Go modules were recorded gets them from its own binaries.
    if (build.toolchain) await backfillGoBuildInfo(cachedDir, build.toolchain, goBackfillOpts(input));
  } else {
    report = await buildIntoCache(build, cachedDir, input);
  }

  await pointLatestAt(latestBundleLink(input.cacheDir, build.kubernetesVersion, build.arch), build.cacheName);

  let dir = cachedDir;
  if (input.out && resolve(input.out) !== resolve(cachedDir)) {
    dir = resolve(input.out);
    const existed = await copyToOut(cachedDir, dir, build.cacheName, progress);
    if (existed && build.toolchain) await backfillGoBuildInfo(dir, build.toolchain, goBackfillOpts(input));
    report = { ...report, dir };
  }
  return {
    dir,
    cacheDir: cachedDir,
    cached,
    cacheKey: build.cacheName,
    notes: build.notes,
    manifest: await readManifest(dir),
    report,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}
