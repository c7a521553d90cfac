// `debian` source: binaries from Debian packages, downloaded with apt-get (no install) and
// unpacked with dpkg-deb. Downloads are cached by package version under <cache>/debian.
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DEBIAN_PACKAGES, debianOrigin, type ComponentName } from '../../cluster/bundle';
import { run, type ProgressFn } from './exec';
import { BundleBuildError } from './errors';
import { exists, tempSibling } from './files';

export interface DebianOptions {
  cacheDir: string;
  arch: string;
  onProgress?: ProgressFn;
}

export interface ExtractedComponent {
  version: string;
  origin: string;
  /** binary name -> absolute path of the extracted file */
  binaries: Record<string, string>;
}

/** The versions apt would install (`apt-cache policy` Candidate), one apt call for all. */
export async function debianCandidates(pkgs: readonly string[]): Promise<Map<string, string>> {
  const out = await run('apt-cache', ['policy', ...pkgs], { captureStdout: true });
  const found = new Map<string, string>();
  let current: string | undefined;
  for (const line of out.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) current = head[1];
    const cand = /^\s+Candidate:\s*(\S+)/.exec(line);
    if (cand && current && cand[1] !== '(none)') found.set(current, cand[1]);
  }
  for (const p of pkgs)
    if (!found.has(p))
      throw new BundleBuildError(`Debian package ${p} has no candidate version (apt-get update?)`, p);
  return found;
}

export async function checkDebianArch(arch: string): Promise<void> {
  const native = (await run('dpkg', ['--print-architecture'], { captureStdout: true })).trim();
  if (native !== arch)
    throw new BundleBuildError(`debian source builds only for this machine's arch (${native}), not ${arch}`);
}

function packagesOf(component: ComponentName) {
  const pkgs = DEBIAN_PACKAGES[component];
  if (!pkgs) throw new BundleBuildError(`${component} is not available from Debian`, component);
  return pkgs;
}

/** Candidate versions of the packages of these components, for the cache key and origins. */
export async function resolveDebianComponents(
  components: readonly ComponentName[],
): Promise<Map<ComponentName, { version: string; origin: string }>> {
  const result = new Map<ComponentName, { version: string; origin: string }>();
  if (!components.length) return result;
  const candidates = await debianCandidates(components.flatMap((c) => packagesOf(c).map((p) => p.package)));
  for (const c of components) {
    const versions = packagesOf(c).map((p) => ({
      package: p.package,
      version: candidates.get(p.package) ?? '',
    }));
    result.set(c, { version: versions[0].version, origin: debianOrigin(versions) });
  }
  return result;
}

async function downloadDeb(pkg: string, version: string, opts: DebianOptions): Promise<string> {
  const dir = join(opts.cacheDir, 'debian');
  const cached = join(dir, `${pkg}_${version.replace(/[^A-Za-z0-9.+~-]/g, '_')}_${opts.arch}.deb`);
  if (await exists(cached)) return cached;
  await mkdir(dir, { recursive: true });
  const tmp = await tempSibling(cached);
  try {
    opts.onProgress?.(`debian: apt-get download ${pkg}=${version}`);
    // The _apt sandbox user cannot write into a root-only temp folder; download as root.
    await run('apt-get', ['download', '-o', 'APT::Sandbox::User=root', `${pkg}=${version}`], {
      cwd: tmp,
      component: pkg,
    });
    const debs = (await readdir(tmp)).filter((f) => f.endsWith('.deb'));
    if (debs.length !== 1)
      throw new BundleBuildError(`apt-get download ${pkg}: got ${debs.join(', ') || 'nothing'}`, pkg);
    await rename(join(tmp, debs[0]), cached);
    return cached;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Downloads and unpacks a component's packages into `workDir` at the versions resolved
 * earlier (`origin`: package=version,...); returns its binaries.
 */
export async function extractDebianComponent(
  component: ComponentName,
  origin: string,
  workDir: string,
  opts: DebianOptions,
): Promise<ExtractedComponent> {
  const pinned = new Map(origin.split(',').map((pv) => pv.split('=') as [string, string]));
  const versions: { package: string; version: string }[] = [];
  const binaries: Record<string, string> = {};
  for (const p of packagesOf(component)) {
    const version = pinned.get(p.package);
    if (!version) throw new BundleBuildError(`${component}: no resolved version for ${p.package}`, component);
    versions.push({ package: p.package, version });
    const deb = await downloadDeb(p.package, version, opts);
    const root = join(workDir, p.package);
    await mkdir(root, { recursive: true });
    await run('dpkg-deb', ['-x', deb, root], { component });
    for (const [name, rel] of Object.entries(p.files)) {
      if (await exists(join(root, rel))) binaries[name] = join(root, rel);
    }
    if (p.allUnder) {
      const under = join(root, p.allUnder);
      for (const entry of await readdir(under, { withFileTypes: true }))
        if (entry.isFile()) binaries[entry.name] = join(under, entry.name);
    }
  }
  return { version: versions[0].version, origin: debianOrigin(versions), binaries };
}
