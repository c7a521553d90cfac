// Builds commands of upstream Go modules at pinned versions through the Go module proxy,
// in a throwaway module under the cache, and caches the binaries by recipe + toolchain:
//   <cache>/go/work/<name>-<version>-<hash>/   go.mod, tools.go, go.sum
//   <cache>/go/out/<name>-<version>-<arch>-<go>-<hash>/   the binaries (+ .complete)
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  goBinaryName,
  parseGoMod,
  pinnedReplaces,
  renderThrowawayModule,
  type GoModRequire,
  type ReplaceDirective,
} from '../../cluster/bundle';
import { BundleBuildError } from './errors';
import { exists, publishDir, sha256Text, tempSibling } from './files';
import { runGo, type GoBuildOptions, type GoToolchain } from './go-toolchain';

export interface ModuleInfo {
  /** Commit time from the proxy's .info (used as a reproducible build date). */
  time?: string;
  commit?: string;
}

export interface GoRecipe {
  /** Component name, used in folder names and messages. */
  name: string;
  version: string;
  /** Modules to require; the first is the primary (its go line and godebug are reused). */
  modules: readonly GoModRequire[];
  /** Version to pin a module that an upstream go.mod replaces with a local path. */
  pin: (modulePath: string) => string | undefined;
  /** binary name -> main package import path */
  binaries: Readonly<Record<string, string>>;
  /** -X flags etc. (after "-s -w"), from the primary module's proxy info. */
  ldflags: (info: ModuleInfo) => string[];
  /**
   * Writes extra packages into the throwaway module (module path THROWAWAY_MODULE) before
   * `go mod tidy`, given each required module's folder; `variant` names what it does (hashed
   * into the cache key).
   */
  prepare?: { variant: string; run: (workDir: string, moduleDirs: Record<string, string>) => Promise<void> };
}

/** The throwaway module's path (see renderThrowawayModule). */
export const THROWAWAY_MODULE = 'hakube.local/bundle-build';

export interface GoBuildResult {
  dir: string;
  /** binary name -> absolute path */
  binaries: Record<string, string>;
  origin: string;
  cached: boolean;
}

interface DownloadJson {
  Path: string;
  Version: string;
  Error?: string;
  GoMod?: string;
  Info?: string;
  Dir?: string;
}

function parseJsonStream(text: string): DownloadJson[] {
  return text
    .split(/\n(?=\{)/)
    .filter((s) => s.trim())
    .map((s) => JSON.parse(s) as DownloadJson);
}

async function downloadModules(tc: GoToolchain, recipe: GoRecipe, opts: GoBuildOptions, cwd: string) {
  const args = ['mod', 'download', '-json', ...recipe.modules.map((m) => `${m.path}@${m.version}`)];
  let out: string;
  try {
    out = await runGo(tc, args, {
      ...opts,
      onProgress: undefined,
      cwd,
      captureStdout: true,
      component: recipe.name,
    });
  } catch (err) {
    // `go mod download -json` prints the per-module error as JSON on stdout and exits 1.
    throw new BundleBuildError(
      `${recipe.name}: cannot download modules: ${(err as Error).message}`,
      recipe.name,
    );
  }
  const results = parseJsonStream(out);
  const failed = results.find((r) => r.Error);
  if (failed) throw new BundleBuildError(`${recipe.name}: ${failed.Error}`, recipe.name);
  return results;
}

async function readInfo(path: string | undefined): Promise<ModuleInfo> {
  if (!path) return {};
  const info = JSON.parse(await readFile(path, 'utf8')) as { Time?: string; Origin?: { Hash?: string } };
  return { time: info.Time, commit: info.Origin?.Hash };
}

/**
 * Writes the throwaway module (and tidies it) unless the same one is already there; returns the
 * primary module's proxy info. Exported for builds other than `go build` (conformance: go test -c).
 */
export async function prepareModule(
  tc: GoToolchain,
  recipe: GoRecipe,
  opts: GoBuildOptions,
  workDir: string,
) {
  await mkdir(workDir, { recursive: true });
  const downloads = await downloadModules(tc, recipe, opts, workDir);
  const replaces: ReplaceDirective[] = [];
  let primary: ReturnType<typeof parseGoMod> | undefined;
  for (const d of downloads) {
    if (!d.GoMod) continue;
    const facts = parseGoMod(await readFile(d.GoMod, 'utf8'));
    primary ??= facts;
    replaces.push(...facts.replaces);
  }
  const mod = renderThrowawayModule({
    requires: recipe.modules,
    packages: Object.values(recipe.binaries),
    goLine: primary?.goLine,
    godebug: primary?.godebug,
    replaces: pinnedReplaces(replaces, recipe.pin),
  });
  if (recipe.prepare) {
    const dirs = Object.fromEntries(downloads.filter((d) => d.Dir).map((d) => [d.Path, d.Dir as string]));
    await recipe.prepare.run(workDir, dirs);
  }
  const marker = join(workDir, 'go.mod.hakube');
  const same = (await exists(marker)) && (await readFile(marker, 'utf8')) === mod.goMod;
  if (!same || !(await exists(join(workDir, 'go.sum')))) {
    await writeFile(join(workDir, 'go.mod'), mod.goMod);
    await writeFile(join(workDir, 'tools.go'), mod.toolsGo);
    opts.onProgress?.(`${recipe.name}: resolving dependencies (go mod tidy)`);
    await runGo(tc, ['mod', 'tidy'], { ...opts, cwd: workDir, component: recipe.name, what: 'go mod tidy' });
    await writeFile(marker, mod.goMod);
  }
  const primaryDownload = downloads.find((d) => d.Path === recipe.modules[0].path);
  return readInfo(primaryDownload?.Info);
}

function recipeHash(recipe: GoRecipe, tc: GoToolchain, arch: string): string {
  return sha256Text(
    JSON.stringify({
      r: 1,
      modules: recipe.modules,
      binaries: recipe.binaries,
      go: tc.version,
      arch,
      ...(recipe.prepare ? { prepare: recipe.prepare.variant } : {}),
    }),
  ).slice(0, 12);
}

/** Builds (or finds in the cache) the recipe's binaries. */
export async function buildGoRecipe(
  tc: GoToolchain,
  recipe: GoRecipe,
  opts: GoBuildOptions,
): Promise<GoBuildResult> {
  const hash = recipeHash(recipe, tc, opts.arch);
  const goRoot = join(opts.cacheDir, 'go');
  const outDir = join(goRoot, 'out', `${recipe.name}-${recipe.version}-${opts.arch}-${tc.version}-${hash}`);
  const origin = recipe.modules.map((m) => `${m.path}@${m.version}`).join(',');
  const binaries = Object.fromEntries(Object.keys(recipe.binaries).map((b) => [b, join(outDir, b)]));
  if (await exists(join(outDir, '.complete'))) {
    opts.onProgress?.(`${recipe.name}: cached Go build ${outDir}`);
    return { dir: outDir, binaries, origin, cached: true };
  }

  const workDir = join(goRoot, 'work', `${recipe.name}-${recipe.version}-${hash}`);
  const info = await prepareModule(tc, recipe, opts, workDir);
  const tmp = await tempSibling(outDir);
  const started = Date.now();
  opts.onProgress?.(`${recipe.name}: go build ${Object.keys(recipe.binaries).join(', ')} (${tc.version})`);
  const ldflags = ['-s', '-w', ...recipe.ldflags(info)].join(' ');
  const pkgs = Object.values(recipe.binaries);
  try {
    await runGo(tc, ['build', '-trimpath', '-ldflags', ldflags, '-o', `${tmp}/`, ...pkgs], {
      ...opts,
      cwd: workDir,
      component: recipe.name,
      what: `go build ${Object.keys(recipe.binaries).join(', ')}`,
    });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  for (const [name, pkg] of Object.entries(recipe.binaries)) {
    const built = goBinaryName(pkg);
    if (built !== name) await rename(join(tmp, built), join(tmp, name));
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  await writeFile(join(tmp, '.complete'), JSON.stringify({ origin, go: tc.version, seconds }) + '\n');
  await publishDir(tmp, outDir);
  opts.onProgress?.(`${recipe.name}: built in ${seconds} s`);
  return { dir: outDir, binaries, origin, cached: false };
}
