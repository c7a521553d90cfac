// verifyBundle(dir): the manifest is valid and every file it lists is present, executable,
// and has the recorded size and sha256; every image archive has its recorded size and sha256
// and its contents check out (each blob hashes to its name, index.json names the recorded
// manifest digest, the manifest's config and layers are there). Used before a bundle is
// cached, copied or installed.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  MANIFEST_FILE,
  bundleManifestSchema,
  isExecutableMode,
  type BundleFile,
  type BundleManifest,
} from '../../cluster/bundle';
import { BundleVerifyError } from './errors';
import { sha256File } from './files';
import { verifyImageArchive } from './image-archive';

export interface BundleVerifyReport {
  dir: string;
  ok: true;
  kubernetesVersion: string;
  arch: string;
  cacheKey?: string;
  components: { name: string; version: string; source: string; files: number }[];
  /** Image archives checked (absent when the bundle has none). */
  images?: { name: string; digest: string; layers: number }[];
  /** Files checked: component files plus image archives. */
  files: number;
  totalBytes: number;
}

/** Reads and schema-checks manifest.json; throws BundleVerifyError naming the problem. */
export async function readManifest(dir: string): Promise<BundleManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    throw new BundleVerifyError(`${dir}: no ${MANIFEST_FILE}`, MANIFEST_FILE);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BundleVerifyError(`${MANIFEST_FILE}: not JSON (${(err as Error).message})`, MANIFEST_FILE);
  }
  const parsed = bundleManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BundleVerifyError(`${MANIFEST_FILE}: ${issue.path.join('.')}: ${issue.message}`, MANIFEST_FILE);
  }
  return parsed.data;
}

/** Checks one listed file's presence, size, sha256 (and exec bit); returns its size. */
async function verifyFile(dir: string, f: BundleFile, owner: string, executable: boolean): Promise<number> {
  const abs = join(dir, f.path);
  let size: number;
  let mode: number;
  try {
    const st = await stat(abs);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
    mode = st.mode;
  } catch {
    throw new BundleVerifyError(`${f.path}: missing (${owner})`, f.path);
  }
  if (executable && (!isExecutableMode(f.mode) || (mode & 0o111) !== 0o111))
    throw new BundleVerifyError(`${f.path}: not executable`, f.path);
  if (size !== f.size)
    throw new BundleVerifyError(`${f.path}: size ${size}, manifest says ${f.size}`, f.path);
  const sum = await sha256File(abs);
  if (sum !== f.sha256)
    throw new BundleVerifyError(`${f.path}: sha256 ${sum}, manifest says ${f.sha256}`, f.path);
  return size;
}

/** Verifies every file and image; throws BundleVerifyError naming the first bad one. */
export async function verifyBundle(dir: string): Promise<BundleVerifyReport> {
  const manifest = await readManifest(dir);
  let files = 0;
  let totalBytes = 0;
  for (const component of manifest.components) {
    for (const f of component.files) {
      totalBytes += await verifyFile(dir, f, `component ${component.name}`, true);
      files++;
    }
  }
  const images: NonNullable<BundleVerifyReport['images']> = [];
  for (const img of manifest.images ?? []) {
    totalBytes += await verifyFile(dir, img.file, `image ${img.name}`, false);
    files++;
    const checked = await verifyImageArchive(join(dir, img.file.path), img.file.path, img);
    images.push({ name: img.name, digest: img.digest, layers: checked.layers.length });
  }
  return {
    dir,
    ok: true,
    kubernetesVersion: manifest.kubernetesVersion,
    arch: manifest.arch,
    cacheKey: manifest.cacheKey,
    components: manifest.components.map((c) => ({
      name: c.name,
      version: c.version,
      source: c.source,
      files: c.files.length,
    })),
    ...(manifest.images ? { images } : {}),
    files,
    totalBytes,
  };
}
