// File helpers for bundles: hashing, describing, atomic folder publication.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { formatMode, type BundleFile } from '../../cluster/bundle';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Manifest entry of a file already inside the bundle at `root/rel`. */
export async function describeFile(root: string, rel: string): Promise<BundleFile> {
  const abs = join(root, rel);
  const st = await stat(abs);
  return { path: rel, sha256: await sha256File(abs), size: st.size, mode: formatMode(st.mode) };
}

/** Copies a binary into the bundle as an executable (0755), creating parent folders. */
export async function placeExecutable(src: string, root: string, rel: string): Promise<void> {
  const dest = join(root, rel);
  await mkdir(dirname(dest), { recursive: true });
  await copyFile(src, dest);
  await chmod(dest, 0o755);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A fresh temp folder next to `finalPath` (same filesystem, so rename is atomic). */
export async function tempSibling(finalPath: string): Promise<string> {
  await mkdir(dirname(finalPath), { recursive: true });
  const tmp = await mkdtemp(join(dirname(finalPath), `.${basename(finalPath)}.tmp-`));
  // mkdtemp makes it 0700; a published bundle is readable by everyone, like any install tree.
  await chmod(tmp, 0o755);
  return tmp;
}

/**
 * Moves a finished temp folder into place. If another build published the same folder
 * meanwhile, keeps theirs (same inputs, same bits) and drops ours.
 */
export async function publishDir(tmp: string, finalPath: string): Promise<void> {
  try {
    await rename(tmp, finalPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(finalPath))) {
      await rm(tmp, { recursive: true, force: true });
      return;
    }
    throw err;
  }
}
