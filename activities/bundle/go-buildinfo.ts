// Recording the Go build information (`go version -m`) of the binaries a bundle built from Go
// modules, read from the bundle's own files (an image's binary is read out of its archive), so
// the record describes exactly the bytes the manifest's sha256 pins. Done when a bundle is
// assembled (fresh or from cached Go builds), and for a cached bundle built before it was
// recorded: the data derives from the bundle's bits, so neither they nor the cache key change.
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  GoBuildInfoParseError,
  MANIFEST_FILE,
  bundleManifestSchema,
  goBuiltBinaries,
  parseGoVersionM,
  renderManifest,
  withGoBuildInfo,
  type BundleManifest,
  type GoBuildInfo,
} from '../../cluster/bundle';
import { BundleBuildError } from './errors';
import { run, type ProgressFn } from './exec';
import type { GoToolchain } from './go-toolchain';
import { extractImageFile } from './image-file';
import { readManifest } from './verify';

/** `go version -m FILES...`, parsed and validated, by file. Every file must be a Go module build. */
export async function goVersionM(
  tc: GoToolchain,
  files: readonly string[],
  cwd = tmpdir(),
): Promise<Map<string, GoBuildInfo>> {
  if (!files.length) return new Map();
  const out = await run(tc.go, ['version', '-m', ...files], {
    cwd,
    // Reading a binary needs no module, workspace or other toolchain.
    env: { ...process.env, GOTOOLCHAIN: 'local', GOWORK: 'off', GOFLAGS: '' },
    captureStdout: true,
    component: 'go-buildinfo',
  });
  let entries;
  try {
    entries = parseGoVersionM(out);
  } catch (err) {
    if (err instanceof GoBuildInfoParseError)
      throw new BundleBuildError(`go version -m: ${err.message}`, 'go-buildinfo');
    throw err;
  }
  const byFile = new Map(entries.map((e) => [e.file, e.info]));
  for (const f of files)
    if (!byFile.has(f)) throw new BundleBuildError(`go version -m printed nothing for ${f}`, 'go-buildinfo');
  return byFile;
}

export interface RecordedGoBuildInfo {
  manifest: BundleManifest;
  /** Binaries whose build information was read now (0: the manifest had it all). */
  binaries: number;
  /** Dependency modules over those binaries. */
  modules: number;
}

/**
 * The manifest with the build information of every Go binary the bundle built (source
 * components, Go images) that it does not record yet, read from the bundle folder `dir`.
 */
export async function recordGoBuildInfo(
  dir: string,
  manifest: BundleManifest,
  tc: GoToolchain,
  opts: { scratchDir?: string } = {},
): Promise<RecordedGoBuildInfo> {
  const missing = goBuiltBinaries(manifest).filter((b) => !b.go);
  if (!missing.length) return { manifest, binaries: 0, modules: 0 };
  const scratchRoot = opts.scratchDir ?? tmpdir();
  await mkdir(scratchRoot, { recursive: true });
  const scratch = await mkdtemp(join(scratchRoot, 'go-buildinfo-'));
  try {
    const fileOf = new Map<string, string>();
    for (const [i, b] of missing.entries()) {
      if (b.kind === 'component') fileOf.set(b.name, join(dir, b.name));
      else {
        const dest = join(scratch, `${i}-${basename(b.binary)}`);
        await extractImageFile(join(dir, b.archive), b.binary, dest, scratch);
        fileOf.set(b.name, dest);
      }
    }
    const infos = await goVersionM(tc, [...fileOf.values()], scratch);
    const found = new Map([...fileOf].map(([name, file]) => [name, infos.get(file) as GoBuildInfo]));
    const parsed = bundleManifestSchema.safeParse(withGoBuildInfo(manifest, found));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BundleBuildError(
        `${MANIFEST_FILE}: ${issue.path.join('.')}: ${issue.message}`,
        'go-buildinfo',
      );
    }
    const modules = [...found.values()].reduce((n, info) => n + info.deps.length, 0);
    return { manifest: parsed.data, binaries: found.size, modules };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * For a (verified) bundle whose manifest lacks some Go build information (built by an older
 * hakube): records it and replaces manifest.json atomically. Returns what was recorded.
 */
export async function backfillGoBuildInfo(
  dir: string,
  tc: GoToolchain,
  opts: { scratchDir?: string; onProgress?: ProgressFn } = {},
): Promise<RecordedGoBuildInfo> {
  const recorded = await recordGoBuildInfo(dir, await readManifest(dir), tc, opts);
  if (!recorded.binaries) return recorded;
  // Beside the bundle folder (same file system), never inside it: a leftover is not in the bundle.
  const tmp = join(dirname(dir), `.${basename(dir)}.${MANIFEST_FILE}.tmp-${process.pid}`);
  try {
    await writeFile(tmp, renderManifest(recorded.manifest));
    await rename(tmp, join(dir, MANIFEST_FILE));
  } finally {
    await rm(tmp, { force: true });
  }
  await readManifest(dir);
  opts.onProgress?.(
    `${dir}: recorded the Go modules of ${recorded.binaries} binaries (${recorded.modules} module entries) in ${MANIFEST_FILE}`,
  );
  return recorded;
}
