// Downloads with checksum verification: fetch the published checksum, stream the file to
// disk while hashing it, and keep it only if the digests match.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { expectedSha256 } from '../../cluster/bundle';
import { BundleBuildError, ChecksumMismatchError } from './errors';
import { exists, sha256File } from './files';

async function fetchOk(url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    // undici reports "fetch failed" with the socket error (ECONNREFUSED, ENOTFOUND) as cause.
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new BundleBuildError(
      `GET ${url}: ${(err as Error).message} (${cause?.code ?? cause?.message ?? 'no cause'})`,
    );
  }
  if (!res.ok || !res.body) throw new BundleBuildError(`GET ${url}: HTTP ${res.status}`);
  return res;
}

/** The sha256 the publisher lists for `checksumName` at `checksumUrl`. */
export async function fetchPublishedSha256(checksumUrl: string, checksumName: string): Promise<string> {
  const text = await (await fetchOk(checksumUrl)).text();
  try {
    return expectedSha256(text, checksumName);
  } catch (err) {
    throw new BundleBuildError(`${checksumUrl}: ${(err as Error).message}`);
  }
}

/**
 * Downloads `url` to `dest` if `dest` is not already there with the published digest.
 * Refuses (ChecksumMismatchError, nothing left at `dest`) when the digests differ.
 */
export async function downloadVerified(
  url: string,
  checksumUrl: string,
  checksumName: string,
  dest: string,
): Promise<{ sha256: string; cached: boolean }> {
  return downloadWithSha256(url, await fetchPublishedSha256(checksumUrl, checksumName), dest);
}

/** Downloads `url` to `dest` unless it is there with `expected`; refuses other content (ChecksumMismatchError). */
export async function downloadWithSha256(
  url: string,
  expected: string,
  dest: string,
): Promise<{ sha256: string; cached: boolean }> {
  if ((await exists(dest)) && (await sha256File(dest)) === expected)
    return { sha256: expected, cached: true };
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.part-${process.pid}`;
  const hash = createHash('sha256');
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    const res = await fetchOk(url);
    await pipeline(
      Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      hasher,
      createWriteStream(tmp),
    );
    const actual = hash.digest('hex');
    if (actual !== expected) throw new ChecksumMismatchError(url, expected, actual);
    await rename(tmp, dest);
    return { sha256: actual, cached: false };
  } finally {
    await rm(tmp, { force: true });
  }
}
