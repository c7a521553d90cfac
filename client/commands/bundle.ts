// hakube bundle build | verify | modules: offline artifact bundles (see docs/bundle.md).
// Progress goes to stderr; the result (path, or JSON with --json) to stdout.
import type { Command } from 'commander';
import {
  DEFAULT_ARCH,
  goBuildInfoColumns,
  goBuiltBinaries,
  renderGoVersionM,
  type GoBuildInfo,
  type GoBuiltBinary,
} from '../../cluster/bundle';
import {
  buildBundle,
  findGo,
  readManifest,
  recordGoBuildInfo,
  verifyBundle,
  type BundleVerifyReport,
} from '../../activities/bundle';
import { printJson, printLines, table } from '../output';
import { hakubeCache } from '../paths';

interface BuildOpts {
  kubernetes?: string;
  out?: string;
  from?: string;
  arch: string;
  mirror?: string;
  jobs?: string;
  images?: string;
  json?: boolean;
}

function parseImages(images: string | undefined): 'all' | 'none' | undefined {
  if (images === undefined || images === 'all' || images === 'none') return images;
  throw new Error(`--images: expected all or none, got "${images}"`);
}

function progressPrinter(): (line: string) => void {
  const started = Date.now();
  return (line) => {
    const s = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
    process.stderr.write(`[bundle ${s}s] ${line}\n`);
  };
}

function parseJobs(jobs: string | undefined): number | undefined {
  if (jobs === undefined) return undefined;
  const n = Number(jobs);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--jobs: expected a positive integer, got "${jobs}"`);
  return n;
}

function summary(report: BundleVerifyReport): string[] {
  return [
    ...report.components.map(
      (c) =>
        `  ${c.name.padEnd(11)} ${c.version.padEnd(30)} ${c.source} (${c.files} file${c.files === 1 ? '' : 's'})`,
    ),
    ...(report.images ?? []).map(
      (i) =>
        `  image       ${i.name.padEnd(55)} ${i.digest.slice(0, 19)}… (${i.layers} layer${i.layers === 1 ? '' : 's'})`,
    ),
  ];
}

type RecordedBinary = GoBuiltBinary & { go: GoBuildInfo };

/**
 * The bundle's Go-built binaries with their build information: from manifest.json, or, for a
 * bundle built before it was recorded, read from its verified binaries with the local Go.
 */
async function goBinaries(dir: string): Promise<RecordedBinary[]> {
  let manifest = await readManifest(dir);
  if (goBuiltBinaries(manifest).some((b) => !b.go)) {
    process.stderr.write(
      `${dir}: manifest.json does not record every binary's Go modules (built by an older hakube); ` +
        'reading them from the verified binaries (`hakube bundle build` records them in the cached bundle)\n',
    );
    await verifyBundle(dir);
    manifest = (await recordGoBuildInfo(dir, manifest, await findGo())).manifest;
  }
  return goBuiltBinaries(manifest).filter((b): b is RecordedBinary => !!b.go);
}

/** A binary by bundle path (bin/kubelet), file name (kubelet), or image reference. */
function pickBinary(all: RecordedBinary[], which: string): RecordedBinary[] {
  const hits = all.filter(
    (b) =>
      b.name === which ||
      (b.kind === 'component' && b.name.slice(b.name.lastIndexOf('/') + 1) === which) ||
      (b.kind === 'image' && b.image === which),
  );
  if (!hits.length) throw new Error(`no binary built from Go modules named "${which}" in this bundle`);
  return hits;
}

export function registerBundleCommands(program: Command): void {
  const bundle = program.command('bundle').description('offline artifact bundles: build, verify, modules');

  bundle
    .command('build')
    .description('assemble binaries + manifest from release downloads, Go source builds or Debian packages')
    .option('--kubernetes <version>', 'Kubernetes version, e.g. v1.37.2 (default: the tested default)')
    .option('--out <dir>', 'also place the bundle here (default: only the cache folder)')
    .option('--from <spec>', 'release | source | debian, or per component: kubernetes=source,etcd=debian,...')
    .option('--arch <arch>', 'target architecture', DEFAULT_ARCH)
    .option('--mirror <url>', 'base URL mirroring <host>/<path> of the release downloads')
    .option('--jobs <n>', 'parallel Go compile jobs (go build -p)')
    .option(
      '--images <which>',
      'container images built from source: all (default with source builds) or none',
    )
    .option('--json', 'print the result as JSON')
    .action(async (opts: BuildOpts) => {
      const result = await buildBundle({
        kubernetesVersion: opts.kubernetes,
        out: opts.out,
        from: opts.from,
        arch: opts.arch,
        mirror: opts.mirror,
        cacheDir: hakubeCache(),
        goParallelism: parseJobs(opts.jobs ?? process.env.HAKUBE_GO_JOBS),
        images: parseImages(opts.images),
        onProgress: progressPrinter(),
      });
      if (opts.json) {
        printJson({
          dir: result.dir,
          cached: result.cached,
          cacheKey: result.cacheKey,
          seconds: result.seconds,
          notes: result.notes,
          report: result.report,
        });
        return;
      }
      process.stderr.write(
        [
          `bundle ${result.cacheKey}: ${result.cached ? 'cache hit' : 'built'} in ${result.seconds} s, ` +
            `${result.report.files} files, ${(result.report.totalBytes / 1048576).toFixed(1)} MiB`,
          `  from ${result.manifest.components.map((c) => `${c.name}=${c.source}`).join(',')}`,
          ...summary(result.report),
          '',
        ].join('\n'),
      );
      printLines([result.dir]);
    });

  bundle
    .command('verify')
    .description(
      'check a bundle: manifest schema, size + sha256 + mode of every file, every image blob against its digest',
    )
    .argument('<dir>', 'bundle folder (holds manifest.json)')
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, opts: { json?: boolean }) => {
      // A mismatch throws BundleVerifyError (name 'BundleVerifyError') naming the file.
      const report = await verifyBundle(dir);
      if (opts.json) return printJson(report);
      printLines([
        `${dir}: ok (Kubernetes ${report.kubernetesVersion}, ${report.arch}, ${report.files} files, ${(report.totalBytes / 1048576).toFixed(1)} MiB)`,
        ...summary(report),
      ]);
    });

  bundle
    .command('modules')
    .description(
      'Go version, modules (path, version, go.sum h1: hash) and build settings of each binary built from Go modules',
    )
    .argument('<dir>', 'bundle folder (holds manifest.json)')
    .argument(
      '[binary]',
      'one binary, printed as `go version -m` does: bin/kubelet, kubelet or an image reference',
    )
    .option('--json', 'print the build information as JSON')
    .action(async (dir: string, which: string | undefined, opts: { json?: boolean }) => {
      const all = await goBinaries(dir);
      const chosen = which ? pickBinary(all, which) : all;
      if (opts.json) return printJson(chosen);
      if (which) return void process.stdout.write(chosen.map((b) => renderGoVersionM(b.name, b.go)).join(''));
      printLines(table(chosen.map((b) => [b.name, ...goBuildInfoColumns(b.go)])));
    });
}
