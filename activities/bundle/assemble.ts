// Fetching or building every component of a resolved request and placing its binaries in
// the bundle folder, with the manifest entry for each component.
import { join } from 'node:path';
import {
  COMPONENTS,
  binaryPath,
  type BundleComponent,
  type ComponentName,
  type ResolvedComponent,
} from '../../cluster/bundle';
import type { ProgressFn } from './exec';
import { BundleBuildError } from './errors';
import { describeFile, placeExecutable } from './files';
import { extractDebianComponent } from './debian';
import { buildGoRecipe, type GoBuildResult } from './go-module-build';
import type { GoBuildOptions } from './go-toolchain';
import { fetchReleaseComponent } from './release';
import type { ResolvedBuild } from './resolve';
import {
  cniRecipe,
  crictlRecipe,
  etcdRecipe,
  kubernetesRecipe,
  kubernetesSourceBinaries,
} from './source-recipes';

export interface AssembleOptions {
  cacheDir: string;
  /** Scratch folder for unpacked packages and archives (deleted by the caller). */
  workDir: string;
  goParallelism?: number;
  goLowPriority?: boolean;
  onProgress?: ProgressFn;
}

/** Which of the binaries found for a component go into the bundle; throws if one is missing. */
export function selectBinaries(name: ComponentName, found: Readonly<Record<string, string>>): string[] {
  const info = COMPONENTS[name];
  const missing = info.binaries.filter((b) => !found[b]);
  if (missing.length) throw new BundleBuildError(`${name}: missing ${missing.join(', ')}`, name);
  if (info.anyBinaries) return Object.keys(found).sort();
  return [...info.binaries, ...info.optionalBinaries.filter((b) => found[b])];
}

/** Runs the Go builds the request needs; Kubernetes server binaries and kubectl share one. */
async function goBuilds(build: ResolvedBuild, opts: AssembleOptions) {
  const results = new Map<ComponentName, GoBuildResult>();
  if (!build.toolchain) return results;
  const goOpts: GoBuildOptions = {
    cacheDir: opts.cacheDir,
    arch: build.arch,
    parallelism: opts.goParallelism,
    lowPriority: opts.goLowPriority,
    onProgress: opts.onProgress,
  };
  const src = (c: ComponentName) => build.sources[c] === 'source';
  const version = (c: ComponentName) => build.components.find((r) => r.name === c)?.version ?? '';
  // Smaller builds first: a broken toolchain or proxy shows up before the long one.
  if (src('crictl'))
    results.set('crictl', await buildGoRecipe(build.toolchain, crictlRecipe(version('crictl')), goOpts));
  if (src('cni')) results.set('cni', await buildGoRecipe(build.toolchain, cniRecipe(version('cni')), goOpts));
  if (src('etcd'))
    results.set('etcd', await buildGoRecipe(build.toolchain, etcdRecipe(version('etcd')), goOpts));
  if (src('kubernetes') || src('kubectl')) {
    const bins = kubernetesSourceBinaries(src('kubernetes'), src('kubectl'));
    const k8s = await buildGoRecipe(build.toolchain, kubernetesRecipe(build.kubernetesVersion, bins), goOpts);
    if (src('kubernetes')) results.set('kubernetes', k8s);
    if (src('kubectl')) results.set('kubectl', k8s);
  }
  return results;
}

async function acquire(
  c: ResolvedComponent,
  build: ResolvedBuild,
  go: Map<ComponentName, GoBuildResult>,
  opts: AssembleOptions,
): Promise<{ version: string; origin: string; binaries: Record<string, string> }> {
  const workDir = join(opts.workDir, c.name);
  switch (c.source) {
    case 'source': {
      const r = go.get(c.name);
      if (!r) throw new BundleBuildError(`${c.name}: no Go build result`, c.name);
      return { version: c.version, origin: c.origin, binaries: r.binaries };
    }
    case 'debian':
      opts.onProgress?.(`${c.name}: from Debian (${c.origin})`);
      return extractDebianComponent(c.name, c.origin, workDir, {
        cacheDir: opts.cacheDir,
        arch: build.arch,
        onProgress: opts.onProgress,
      });
    case 'release':
      return fetchReleaseComponent(c.name, c.version, workDir, {
        cacheDir: opts.cacheDir,
        arch: build.arch,
        mirror: build.mirror,
        onProgress: opts.onProgress,
      });
  }
}

/** Places every component's binaries under `bundleDir`; returns the manifest components. */
export async function assembleComponents(
  build: ResolvedBuild,
  bundleDir: string,
  opts: AssembleOptions,
): Promise<BundleComponent[]> {
  // Quick sources first so their failures surface before a long Go build.
  const ordered = [...build.components].sort(
    (a, b) => Number(a.source === 'source') - Number(b.source === 'source'),
  );
  const acquired = new Map<ComponentName, Awaited<ReturnType<typeof acquire>>>();
  for (const c of ordered.filter((c) => c.source !== 'source'))
    acquired.set(c.name, await acquire(c, build, new Map(), opts));
  const go = await goBuilds(build, opts);
  for (const c of ordered.filter((c) => c.source === 'source'))
    acquired.set(c.name, await acquire(c, build, go, opts));

  const components: BundleComponent[] = [];
  for (const c of build.components) {
    const got = acquired.get(c.name);
    if (!got) throw new BundleBuildError(`${c.name}: not acquired`, c.name);
    const files = [];
    for (const bin of selectBinaries(c.name, got.binaries)) {
      const rel = binaryPath(c.name, bin);
      await placeExecutable(got.binaries[bin], bundleDir, rel);
      files.push(await describeFile(bundleDir, rel));
    }
    components.push({ name: c.name, version: got.version, source: c.source, origin: got.origin, files });
  }
  return components;
}
