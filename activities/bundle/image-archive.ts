// Checks an OCI image archive (a tar of an OCI image layout, as image-builder writes it and
// `ctr images import` reads it) without trusting it: every blob under blobs/sha256/<hex>
// must hash to its name, index.json must name the image with the digest the bundle manifest
// recorded, and that manifest's config and layers must be in the archive with their sizes.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { extract } from 'tar-stream';
import { BundleVerifyError } from './errors';

export const IMAGE_NAME_ANNOTATION = 'io.containerd.image.name';
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);
/** Blobs up to this size are kept for parsing (manifests, configs); layers are only hashed. */
const KEEP_BYTES = 4 * 1024 * 1024;
const BLOB = /^blobs\/sha256\/([0-9a-f]{64})$/;
const ALLOWED_DIRS = new Set(['blobs', 'blobs/sha256']);

export interface ImageArchiveExpectation {
  /** Full image reference, e.g. registry.k8s.io/pause:3.10. */
  name: string;
  /** Manifest digest recorded in the bundle manifest. */
  digest: string;
}

export interface ImageArchiveReport {
  name: string;
  digest: string;
  config: string;
  layers: string[];
  blobs: number;
}

interface Descriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
  annotations?: Record<string, string>;
}

function object(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function descriptors(v: unknown): Descriptor[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.every((d) => object(d) !== undefined) ? (v as Descriptor[]) : undefined;
}

/**
 * Verifies the archive at `path` (`file` is its bundle-relative path, for errors). Throws
 * BundleVerifyError naming the image and the bad blob or entry.
 */
export async function verifyImageArchive(
  path: string,
  file: string,
  want: ImageArchiveExpectation,
): Promise<ImageArchiveReport> {
  const fail = (why: string): never => {
    throw new BundleVerifyError(`${file}: image ${want.name}: ${why}`, file);
  };
  const sizes = new Map<string, number>();
  const kept = new Map<string, Buffer>();
  let indexJson: Buffer | undefined;
  let ociLayout: Buffer | undefined;

  const tar = extract();
  const input = createReadStream(path);
  input.on('error', (err) => tar.destroy(err));
  input.pipe(tar);
  try {
    for await (const entry of tar) {
      const name = entry.header.name.replace(/^\.\//, '').replace(/\/$/, '');
      if (entry.header.type === 'directory') {
        if (name && !ALLOWED_DIRS.has(name)) fail(`unexpected folder ${name} in the archive`);
        entry.resume();
        continue;
      }
      if (entry.header.type !== 'file') fail(`unexpected ${entry.header.type} entry ${name}`);
      const blob = BLOB.exec(name);
      if (!blob && name !== 'index.json' && name !== 'oci-layout') fail(`unexpected file ${name}`);
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
        if (size <= KEEP_BYTES) chunks.push(chunk);
      }
      const content = size <= KEEP_BYTES ? Buffer.concat(chunks) : undefined;
      if (!blob) {
        if (name === 'index.json') indexJson = content;
        else ociLayout = content;
        continue;
      }
      const digest = `sha256:${blob[1]}`;
      if (sizes.has(digest)) fail(`blob ${name} appears twice`);
      const actual = hash.digest('hex');
      if (actual !== blob[1]) fail(`blob ${name} is corrupted (its sha256 is ${actual})`);
      sizes.set(digest, size);
      if (content) kept.set(digest, content);
    }
  } catch (err) {
    if (err instanceof BundleVerifyError) throw err;
    fail(`not a readable tar (${(err as Error).message})`);
  } finally {
    tar.destroy();
    input.destroy();
  }

  const parse = (what: string, buf: Buffer | undefined): Record<string, unknown> => {
    if (!buf) return fail(`${what} missing`);
    try {
      return object(JSON.parse(buf.toString('utf8'))) ?? fail(`${what} is not a JSON object`);
    } catch (err) {
      if (err instanceof BundleVerifyError) throw err;
      return fail(`${what} is not JSON`);
    }
  };
  if (typeof parse('oci-layout', ociLayout).imageLayoutVersion !== 'string')
    fail('oci-layout has no imageLayoutVersion');
  const index = parse('index.json', indexJson);
  const entries = descriptors(index.manifests) ?? fail('index.json has no manifests list');
  const entry =
    entries.find((d) => d.annotations?.[IMAGE_NAME_ANNOTATION] === want.name) ??
    fail(`index.json has no manifest named ${want.name} (annotation ${IMAGE_NAME_ANNOTATION})`);
  if (entry.annotations?.[REF_NAME_ANNOTATION] !== want.name)
    fail(`index.json: ${REF_NAME_ANNOTATION} is not ${want.name}`);
  if (entry.digest !== want.digest)
    fail(`index.json names manifest ${entry.digest}, the bundle manifest says ${want.digest}`);
  if (!MANIFEST_TYPES.has(entry.mediaType ?? '')) fail(`manifest media type ${entry.mediaType}`);

  const checkBlob = (d: Descriptor, what: string) => {
    if (typeof d.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(d.digest))
      fail(`${what}: bad digest ${String(d.digest)}`);
    const size = sizes.get(d.digest as string);
    if (size === undefined) fail(`${what} blob blobs/sha256/${d.digest?.slice(7)} is missing`);
    if (d.size !== size) fail(`${what} blob ${d.digest}: size ${size}, descriptor says ${d.size}`);
    return d.digest as string;
  };
  checkBlob(entry, 'manifest');
  const manifest = parse(`manifest ${want.digest}`, kept.get(want.digest));
  const config = checkBlob(object(manifest.config) ?? fail('manifest has no config'), 'config');
  const layers = (descriptors(manifest.layers) ?? fail('manifest has no layers list')).map((l, i) =>
    checkBlob(l, `layer ${i}`),
  );
  parse(`config ${config}`, kept.get(config));
  return { name: want.name, digest: want.digest, config, layers, blobs: sizes.size };
}
