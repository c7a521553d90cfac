// `e2e.test` (go test -c k8s.io/kubernetes/test/e2e) and `ginkgo` (at the version the Kubernetes
// module's go.mod pins) for a Kubernetes version, built like the bundle's Go binaries: in a
// throwaway module under the cache, through the configured module proxy, with the same version
// stamps, and cached by recipe + toolchain (a second build is a cache hit):
//   <cache>/go/out/conformance-<k8s>-<arch>-<go>-<hash>/{e2e.test,ginkgo,.complete}
// Built for this machine's architecture: e2e.test runs where `hakube conformance` runs.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exists, publishDir, sha256Text, tempSibling } from '../bundle/files';
import type { ProgressFn } from '../bundle/exec';
import { prepareModule, type GoRecipe } from '../bundle/go-module-build';
import { findGo, runGo, type GoToolchain } from '../bundle/go-toolchain';
import { kubernetesRecipe } from '../bundle/source-recipes';

export const GINKGO_PACKAGE = 'github.com/onsi/ginkgo/v2/ginkgo';
export const E2E_PACKAGE = 'k8s.io/kubernetes/test/e2e';

export interface ConformanceBuild {
  dir: string;
  e2eTest: string;
  ginkgo: string;
  kubernetesVersion: string;
  arch: string;
  cached: boolean;
}

export interface ConformanceBuildOptions {
  kubernetesVersion: string;
  cacheDir: string;
  onProgress?: ProgressFn;
  /** `go build -p N`. */
  parallelism?: number;
  lowPriority?: boolean;
}

/** Go's name for this machine's architecture. */
export function hostGoArch(arch: string = process.arch): string {
  const goArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x' };
  const out = goArch[arch];
  if (!out) throw new Error(`no Go architecture for this machine's ${arch}`);
  return out;
}

/** The Kubernetes recipe's pins and version stamps, with the two conformance programs as its packages. */
function conformanceRecipe(version: string): GoRecipe {
  const kube = kubernetesRecipe(version, []);
  return { ...kube, name: 'conformance', binaries: { ginkgo: GINKGO_PACKAGE, 'e2e.test': E2E_PACKAGE } };
}

function buildHash(recipe: GoRecipe, tc: GoToolchain, arch: string): string {
  return sha256Text(
    JSON.stringify({ r: 1, modules: recipe.modules, binaries: recipe.binaries, go: tc.version, arch }),
  ).slice(0, 12);
}

export async function buildConformance(opts: ConformanceBuildOptions): Promise<ConformanceBuild> {
  const tc = await findGo();
  const arch = hostGoArch();
  const version = opts.kubernetesVersion;
  const recipe = conformanceRecipe(version);
  const hash = buildHash(recipe, tc, arch);
  const goRoot = join(opts.cacheDir, 'go');
  const outDir = join(goRoot, 'out', `conformance-${version}-${arch}-${tc.version}-${hash}`);
  const result = (cached: boolean): ConformanceBuild => ({
    dir: outDir,
    e2eTest: join(outDir, 'e2e.test'),
    ginkgo: join(outDir, 'ginkgo'),
    kubernetesVersion: version,
    arch,
    cached,
  });
  if (await exists(join(outDir, '.complete'))) {
    opts.onProgress?.(`conformance: cached build ${outDir}`);
    return result(true);
  }
  const goOpts = {
    cacheDir: opts.cacheDir,
    arch,
    parallelism: opts.parallelism,
    lowPriority: opts.lowPriority,
    onProgress: opts.onProgress,
  };
  const workDir = join(goRoot, 'work', `conformance-${version}-${hash}`);
  await mkdir(workDir, { recursive: true });
  const info = await prepareModule(tc, recipe, goOpts, workDir);
  const ldflags = ['-s', '-w', ...recipe.ldflags(info)].join(' ');
  const tmp = await tempSibling(outDir);
  const started = Date.now();
  try {
    opts.onProgress?.(`conformance: go build ginkgo (${tc.version})`);
    await runGo(tc, ['build', '-trimpath', '-ldflags', '-s -w', '-o', join(tmp, 'ginkgo'), GINKGO_PACKAGE], {
      ...goOpts,
      cwd: workDir,
      component: 'conformance',
      what: 'go build ginkgo',
    });
    opts.onProgress?.(
      `conformance: go test -c ${E2E_PACKAGE} (${tc.version}; several minutes on a cold cache)`,
    );
    // -vet=off: vet of the whole e2e tree adds minutes and checks nothing the build needs.
    await runGo(
      tc,
      ['test', '-c', '-vet=off', '-trimpath', '-ldflags', ldflags, '-o', join(tmp, 'e2e.test'), E2E_PACKAGE],
      { ...goOpts, cwd: workDir, component: 'conformance', what: 'go test -c e2e.test' },
    );
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const origin = `${E2E_PACKAGE}@${version},${GINKGO_PACKAGE}`;
  await writeFile(join(tmp, '.complete'), JSON.stringify({ origin, go: tc.version, seconds }) + '\n');
  await publishDir(tmp, outDir);
  opts.onProgress?.(`conformance: built in ${seconds} s`);
  return result(false);
}
