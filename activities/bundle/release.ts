// `release` source: official release downloads (or a mirror), each verified against its
// published checksum, archives unpacked with tar. Verified downloads are cached by URL.
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { releaseArtifacts, type ComponentName, type ReleaseArtifact } from '../../cluster/bundle';
import { run, type ProgressFn } from './exec';
import { BundleBuildError } from './errors';
import { downloadVerified } from './download';
import { sha256Text } from './files';
import type { ExtractedComponent } from './debian';

export interface ReleaseOptions {
  cacheDir: string;
  arch: string;
  mirror?: string;
  onProgress?: ProgressFn;
}

function cachedPath(cacheDir: string, url: string): string {
  const name = url.slice(url.lastIndexOf('/') + 1).replace(/[^A-Za-z0-9._+-]/g, '_');
  return join(cacheDir, 'downloads', `${sha256Text(url).slice(0, 16)}-${name}`);
}

async function unpack(
  archive: string,
  artifact: ReleaseArtifact,
  workDir: string,
  component: ComponentName,
): Promise<Record<string, string>> {
  const listing = (await run('tar', ['-tzf', archive], { captureStdout: true, component }))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const norm = (p: string) => p.replace(/^\.\//, '');
  const present = new Set(listing.map(norm));
  await mkdir(workDir, { recursive: true });
  await run('tar', ['-xzf', archive, '-C', workDir], { component });
  const binaries: Record<string, string> = {};
  for (const [name, member] of Object.entries(artifact.members))
    if (present.has(norm(member))) binaries[name] = join(workDir, norm(member));
  if (artifact.extractAllUnder !== undefined) {
    const under = join(workDir, norm(artifact.extractAllUnder));
    for (const entry of await readdir(under, { withFileTypes: true }))
      if (entry.isFile()) binaries[entry.name] = join(under, entry.name);
  }
  return binaries;
}

/** One URL, or the folder the binaries come from (dl.k8s.io has one URL per binary). */
export function releaseOrigin(artifacts: readonly ReleaseArtifact[]): string {
  if (artifacts.length === 1) return artifacts[0].url;
  return artifacts[0].url.slice(0, artifacts[0].url.lastIndexOf('/') + 1);
}

/** Downloads, verifies and unpacks a component's release artifacts into `workDir`. */
export async function fetchReleaseComponent(
  component: ComponentName,
  version: string,
  workDir: string,
  opts: ReleaseOptions,
): Promise<ExtractedComponent> {
  const artifacts = releaseArtifacts(component, version, opts.arch, opts.mirror);
  const binaries: Record<string, string> = {};
  for (const [i, a] of artifacts.entries()) {
    const dest = cachedPath(opts.cacheDir, a.url);
    opts.onProgress?.(`${component}: download ${a.url}`);
    const { cached } = await downloadVerified(a.url, a.checksumUrl, a.checksumName, dest);
    opts.onProgress?.(`${component}: ${cached ? 'cached' : 'verified'} sha256 of ${a.checksumName}`);
    if (a.kind === 'binary') {
      const [name] = Object.keys(a.members);
      binaries[name] = dest;
    } else {
      Object.assign(binaries, await unpack(dest, a, join(workDir, `${component}-${i}`), component));
    }
  }
  if (!Object.keys(binaries).length)
    throw new BundleBuildError(`${component}: release had no binaries`, component);
  return { version, origin: releaseOrigin(artifacts), binaries };
}
