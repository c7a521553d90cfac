// Reading one file back out of an OCI image archive of the bundle (a tar of an OCI layout
// whose layers are gzip'd tars, as image-builder writes them): for the Go build information
// of an image's binary. The archive is expected to be verified already (verifyImageArchive).
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { BundleBuildError } from './errors';

const BLOB = /^blobs\/sha256\/([0-9a-f]{64})$/;

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Copies the regular file `rel` of a gzip'd layer tar to `dest`; false when it is not there. */
async function copyFromLayer(layer: string, rel: string, dest: string): Promise<boolean> {
  const tar = extract();
  const reading = pipeline(createReadStream(layer), createGunzip(), tar);
  reading.catch(() => undefined); // awaited below; an error also ends the loop
  let found = false;
  for await (const entry of tar) {
    const name = entry.header.name.replace(/^\.?\//, '');
    if (name === rel && entry.header.type === 'file') {
      await pipeline(entry, createWriteStream(dest, { mode: 0o755 }));
      found = true;
    } else entry.resume();
  }
  await reading;
  return found;
}

/**
 * Writes the file at `pathInImage` (absolute, e.g. /coredns) of the image archive to `dest`.
 * Throws BundleBuildError when no layer, or more than one, holds it.
 */
export async function extractImageFile(
  archive: string,
  pathInImage: string,
  dest: string,
  scratchDir: string,
): Promise<void> {
  const rel = pathInImage.replace(/^\/+/, '');
  const work = await mkdtemp(join(scratchDir, 'layers-'));
  try {
    // The blobs first (each to a file), then the layers among them: no stream juggling.
    const tar = extract();
    const reading = pipeline(createReadStream(archive), tar);
    reading.catch(() => undefined);
    for await (const entry of tar) {
      const blob = BLOB.exec(entry.header.name.replace(/^\.\//, ''));
      if (blob && entry.header.type === 'file') await pipeline(entry, createWriteStream(join(work, blob[1])));
      else entry.resume();
    }
    await reading;
    let holders = 0;
    for (const blob of (await readdir(work)).sort()) {
      const path = join(work, blob);
      if (!(await isGzip(path))) continue;
      if (await copyFromLayer(path, rel, holders ? `${dest}.again` : dest)) holders++;
      await rm(path);
    }
    if (holders !== 1)
      throw new BundleBuildError(
        `${archive}: ${pathInImage} is in ${holders ? 'more than one layer' : 'no layer'} of the image`,
        'images',
      );
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(`${dest}.again`, { force: true });
  }
}
