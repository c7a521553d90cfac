// hakube conformance -f cluster.yaml [--focus REGEX] [--out DIR] [--timeout 6h] [--bundle-images-only] [--parallel N]
// hakube conformance build [--kubernetes VERSION]
// Progress goes to stderr; the counts line (or the build's folder) to stdout. Exit 0 when every
// test run passed, 1 when one failed or had no result, 2 for bad input (docs/conformance.md).
import type { Command } from 'commander';
import { findGo } from '../../activities/bundle';
import { pickDefaultKubernetesVersion } from '../../cluster/bundle';
import { countsLine, renderSummaryText } from '../../cluster/conformance';
import { withResolvedBundleDir } from '../bundle-dir';
import { prepareConformance, runConformance } from '../conformance-run';
import { ExitCode, InputError } from '../exit-codes';
import { printLines } from '../output';
import { hakubeCache } from '../paths';
import { loadClusterOrThrow } from '../spec-file';

interface RunFlags {
  file?: string;
  focus?: string;
  out?: string;
  timeout: string;
  bundleImagesOnly?: boolean;
  parallel: string;
}

function progress(prefix: string): (line: string) => void {
  const started = Date.now();
  return (line) => {
    const s = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
    process.stderr.write(`[${prefix} ${s}s] ${line}\n`);
  };
}

const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, '-').slice(0, 19);

export function registerConformanceCommands(program: Command, setExit: (code: number) => void): void {
  const conformance = program
    .command('conformance')
    .description(
      "run the Kubernetes [Conformance] tests whose images the cluster has (e2e.test from the Kubernetes module at the spec's version); writes JUnit XML and a summary",
    )
    .option('-f, --file <file>', 'cluster spec (YAML)')
    .option('--focus <regex>', 'only Conformance tests whose name matches (JavaScript regular expression)')
    .option('--out <dir>', 'results folder (default: conformance-<cluster>-<time>)')
    .option('--timeout <duration>', "Ginkgo's timeout for the whole suite", '6h')
    .option('--parallel <n>', 'Ginkgo processes ([Serial] tests still run alone, at the end)', '1')
    .option(
      '--bundle-images-only',
      "only the bundle's own images (agnhost without a shell, pause): no Debian-based e2e images built or imported",
    )
    .action(async (flags: RunFlags) => {
      if (!flags.file) throw new InputError('-f <cluster spec> is required (or `hakube conformance build`)');
      if (!/^\d+(?:h|m|s)(?:\d+(?:m|s))?$/.test(flags.timeout))
        throw new InputError(`--timeout: expected a duration like 6h or 90m, got "${flags.timeout}"`);
      if (!/^[1-9]\d?$/.test(flags.parallel))
        throw new InputError(`--parallel: expected 1-99, got "${flags.parallel}"`);
      const cluster = withResolvedBundleDir(loadClusterOrThrow(flags.file).cluster);
      const result = await runConformance({
        cluster,
        cacheDir: hakubeCache(),
        outDir: flags.out ?? `conformance-${cluster.metadata.name}-${stamp(new Date())}`,
        focus: flags.focus,
        timeout: flags.timeout,
        bundleImagesOnly: flags.bundleImagesOnly,
        parallel: Number(flags.parallel),
        onProgress: progress('conformance'),
      });
      process.stderr.write(renderSummaryText(result.summary));
      process.stderr.write(`results in ${result.outDir} (junit.xml, summary.txt, summary.json, e2e.log)\n`);
      printLines([countsLine(result.summary)]);
      const ok = result.summary.failed === 0 && result.summary.noResult === 0;
      setExit(ok ? ExitCode.OK : ExitCode.FAILED);
    });

  conformance
    .command('build')
    .description(
      'build (or find in the cache) e2e.test, ginkgo and the e2e images the bundle lacks (Debian userland: needs root and debootstrap), for a Kubernetes version',
    )
    .option('--kubernetes <version>', 'Kubernetes version, e.g. v1.37.2 (default: the tested default)')
    .option('--no-images', 'only e2e.test and ginkgo')
    .action(async (opts: { kubernetes?: string; images: boolean }) => {
      const version =
        opts.kubernetes ?? pickDefaultKubernetesVersion({ goVersion: (await findGo()).version });
      const { build, analysis, images } = await prepareConformance({
        kubernetesVersion: version,
        cacheDir: hakubeCache(),
        withImages: opts.images,
        onProgress: progress('conformance build'),
      });
      process.stderr.write(
        `e2e.test and ginkgo for ${version}: ${build.cached ? 'cache hit' : 'built'}; ` +
          `${analysis.tests.length} Conformance tests; ${images.length} e2e images\n`,
      );
      printLines([build.dir, ...images.map((i) => `${i.ref} ${i.archive}`)]);
    });
}
