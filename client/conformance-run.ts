// `hakube conformance`: runs the Conformance tests the cluster can run from this machine, with
// the admin kubeconfig (read over SSH, written 0600 into the results folder) and, for clusters
// whose nodes get images from the offline bundle, the e2e registries remapped to tags of the
// bundle's images (docs/conformance.md). Writes junit.xml, summary.txt, summary.json, e2e.log.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { analyzeConformance, type ConformanceAnalysis } from '../activities/conformance/analyze';
import { buildConformance, hostGoArch, type ConformanceBuild } from '../activities/conformance/build';
import { runE2E } from '../activities/conformance/e2e-process';
import { buildConformanceImages, type ConformanceImage } from '../activities/conformance/images';
import { importImages, tagAliases } from '../activities/conformance/node-images';
import { readManifest } from '../activities/bundle';
import { withSshHostProvider } from '../activities/ssh-hosts';
import {
  BUNDLE_ONLY_REGISTRY,
  CONFORMANCE_REGISTRY,
  bundleAliases,
  e2eCommand,
  focusFor,
  planRun,
  remappedRegistries,
  renderRepoList,
  renderSummaryText,
  summarize,
  upstreamRefOf,
  parseJUnit,
  type ConformanceSummary,
  type ImageAlias,
} from '../cluster/conformance';
import type { Cluster } from '../cluster/spec';
import { InputError } from './exit-codes';
import { adminKubeconfig } from './kubeconfig';

export interface ConformanceRunInput {
  cluster: Cluster;
  cacheDir: string;
  outDir: string;
  /** JavaScript regular expression on test names; default every Conformance test. */
  focus?: string;
  /**
   * Use only the bundle's own images (no Debian-based e2e images built or imported): faster, and
   * enough for tests that need no shell in agnhost (CI's subset).
   */
  bundleImagesOnly?: boolean;
  /** Ginkgo processes (> 1 runs e2e.test through the ginkgo CLI); default 1. */
  parallel?: number;
  /** Ginkgo's suite timeout, e.g. 6h. */
  timeout: string;
  onProgress: (line: string) => void;
}

export interface ConformanceRunResult {
  summary: ConformanceSummary;
  outDir: string;
  exitCode: number;
}

function focusRegex(focus: string | undefined): RegExp | undefined {
  if (focus === undefined) return undefined;
  try {
    return new RegExp(focus);
  } catch (err) {
    throw new InputError(`--focus: ${(err as Error).message}`);
  }
}

/** e2e images for clusters whose nodes get images from the bundle (undefined: nodes pull). */
interface NodeImages {
  /** Made by `hakube conformance build`, imported into every node. */
  built: ConformanceImage[];
  /** The bundle's own images, tagged under the names e2e.test asks for. */
  aliases: ImageAlias[];
}

/** Builds (or finds cached) e2e.test, ginkgo and, when `withImages`, the e2e images; reads the tests. */
export async function prepareConformance(opts: {
  kubernetesVersion: string;
  cacheDir: string;
  withImages: boolean;
  onProgress: (line: string) => void;
}): Promise<{ build: ConformanceBuild; analysis: ConformanceAnalysis; images: ConformanceImage[] }> {
  const build = await buildConformance(opts);
  const analysis = await analyzeConformance({ e2eTest: build.e2eTest, ...opts });
  const images = opts.withImages ? await buildConformanceImages({ ...opts, table: analysis.table }) : [];
  return { build, analysis, images };
}

async function nodeImages(
  cluster: Cluster,
  analysis: ConformanceAnalysis,
  built: ConformanceImage[],
  registry: string,
): Promise<NodeImages | undefined> {
  if (cluster.spec.images.source !== 'bundle') return undefined;
  const dir = cluster.spec.artifacts.bundleDir;
  if (!dir) throw new InputError('spec.images.source is bundle but spec.artifacts.bundleDir is not set');
  const manifest = await readManifest(dir);
  const usable = manifest.arch === hostGoArch() ? built : [];
  const have = new Set(usable.map((b) => b.id));
  const aliases = bundleAliases(
    analysis.table,
    manifest.images ?? [],
    cluster.spec.kubernetesVersion,
    analysis.sourceTags,
    registry,
  ).filter((a) => !have.has(a.id));
  return { built: usable, aliases };
}

async function placeOnNodes(cluster: Cluster, images: NodeImages, say: (l: string) => void): Promise<void> {
  await withSshHostProvider((hosts) =>
    Promise.all(
      cluster.spec.hosts.map(async (h) => {
        const host = hosts.hostFor(cluster, h);
        const imported = await importImages(host, images.built);
        const tagged = await tagAliases(host, images.aliases);
        const failed = Object.entries(tagged.failed).map(([ref, why]) => `${ref}: ${why}`);
        if (failed.length)
          throw new Error(`${h.name}: cannot tag the bundle's images for e2e.test: ${failed.join('; ')}`);
        say(`${h.name}: ${imported.length} images imported, ${tagged.tagged.length} tagged`);
      }),
    ),
  );
  for (const b of images.built) say(`image ${b.ref}: ${b.what}`);
  for (const a of images.aliases) say(`image ${a.e2eRef}: ${a.why}`);
}

export async function runConformance(input: ConformanceRunInput): Promise<ConformanceRunResult> {
  const say = input.onProgress;
  const focus = focusRegex(input.focus);
  const outDir = resolve(input.outDir);
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const version = input.cluster.spec.kubernetesVersion;
  const pullsUpstream = input.cluster.spec.images.source !== 'bundle';
  const { build, analysis, images } = await prepareConformance({
    kubernetesVersion: version,
    cacheDir: input.cacheDir,
    withImages: !pullsUpstream && !input.bundleImagesOnly,
    onProgress: say,
  });
  const registry = input.bundleImagesOnly ? BUNDLE_ONLY_REGISTRY : CONFORMANCE_REGISTRY;
  const onNodes = await nodeImages(input.cluster, analysis, images, registry);
  const available =
    onNodes && new Set([...onNodes.built.map((b) => b.id), ...onNodes.aliases.map((a) => a.id)]);
  const plan = planRun(analysis.tests, focus, available);
  await writeFile(
    join(outDir, 'plan.json'),
    JSON.stringify({ images: onNodes, plan, tests: analysis.tests }, null, 2) + '\n',
  );
  say(
    `${analysis.tests.length} Conformance tests; ${plan.selected} selected, ${plan.run.length} to run, ${plan.skipped.length} skipped for missing images`,
  );
  if (!plan.run.length)
    throw new InputError('no Conformance test to run: --focus matches none the cluster has images for');

  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.KUBE_TEST_REPO;
  if (onNodes) {
    await placeOnNodes(input.cluster, onNodes, say);
    const repoList = join(outDir, 'repo-list.yaml');
    await writeFile(repoList, renderRepoList(remappedRegistries(analysis.table, registry)));
    env.KUBE_TEST_REPO_LIST = repoList;
  } else delete env.KUBE_TEST_REPO_LIST;

  const kubeconfig = join(outDir, 'kubeconfig');
  await writeFile(kubeconfig, await adminKubeconfig(input.cluster), { mode: 0o600 });
  await chmod(kubeconfig, 0o600);
  const junit = join(outDir, 'junit.xml');
  const startedAt = new Date();
  say(`e2e.test: ${plan.run.length} tests, output in ${join(outDir, 'e2e.log')}`);
  const command = e2eCommand({
    e2eTest: build.e2eTest,
    ginkgo: build.ginkgo,
    kubeconfig,
    junit,
    focus: focusFor(plan.run),
    timeout: input.timeout,
    parallel: input.parallel ?? 1,
  });
  const exitCode = await runE2E({
    ...command,
    env,
    logFile: join(outDir, 'e2e.log'),
    onProgress: say,
  });
  const xml = await readFile(junit, 'utf8').catch(() => '');
  const summary = summarize({
    kubernetesVersion: version,
    startedAt: startedAt.toISOString(),
    seconds: (Date.now() - startedAt.getTime()) / 1000,
    conformanceTests: analysis.tests.length,
    plan,
    cases: parseJUnit(xml),
    refOf: (id) => upstreamRefOf(analysis.table, id),
  });
  await writeFile(join(outDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  await writeFile(join(outDir, 'summary.txt'), renderSummaryText(summary));
  return { summary, outDir, exitCode };
}
