// The offline bundle's container images in a node's containerd (spec.images.source: bundle): the
// archives ensureBinaries placed in IMAGES_DIR are imported into containerd's k8s.io namespace
// (the one kubelet's CRI uses) unless containerd already holds each name at the bundle's digest,
// then pinned so kubelet's image garbage collection keeps them (nothing could pull them back).
import { posix } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from '../../cluster/errors';
import { BIN_DIR, IMAGES_DIR } from '../../cluster/layout';
import type { BundleImage } from '../../cluster/bundle';
import type { Host } from '../ssh';
import { shq } from '../ssh/shell';

const CTR = `${BIN_DIR}/ctr -n k8s.io`;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** A reference as `ctr images ls -q` prints it; anything else in its output is ignored. */
const REF = /^[a-z0-9][a-z0-9._/:-]*(@sha256:[0-9a-f]{64})?$/;

export interface ImagesResult {
  imported: string[];
  present: number;
}

/** Where a bundle image archive goes on a node. */
export function imageArchiveOnHost(bundlePath: string): string {
  return `${IMAGES_DIR}/${posix.basename(bundlePath)}`;
}

/**
 * `ctr images ls` as name → manifest digest. Read back from the host, so validated like input:
 * rows whose name or digest does not look like one are dropped (and so imported again).
 */
export function parseImageList(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n').slice(1)) {
    const [ref, , digest] = line.trim().split(/\s+/);
    if (ref && digest && REF.test(ref) && DIGEST.test(digest)) out.set(ref, digest);
  }
  return out;
}

async function listImages(host: Host, signal?: AbortSignal): Promise<Map<string, string>> {
  return parseImageList((await host.run(`${CTR} images ls`, { signal })).stdout);
}

export async function ensureBundleImages(
  host: Host,
  images: readonly BundleImage[],
  opts: { signal?: AbortSignal; say?: (line: string) => void } = {},
): Promise<ImagesResult> {
  const have = await listImages(host, opts.signal);
  const missing = images.filter((i) => have.get(i.name) !== i.digest);
  for (const image of missing) {
    opts.say?.(`ctr images import ${image.name}`);
    const archive = imageArchiveOnHost(image.file.path);
    const r = await host.exec(`${CTR} images import ${shq(archive)}`, {
      timeoutMs: 10 * 60_000,
      signal: opts.signal,
    });
    if (r.exitCode !== 0)
      throw ApplicationFailure.create({
        type: ErrorTypes.ImageImportFailed,
        message: `${host.name}: containerd refused ${image.name} from ${archive}: ${r.stderr.trim() || r.stdout.trim()}`,
      });
  }
  const after = missing.length ? await listImages(host, opts.signal) : have;
  for (const image of images) {
    const digest = after.get(image.name);
    if (digest !== image.digest)
      throw ApplicationFailure.create({
        type: ErrorTypes.ImageImportFailed,
        message: `${host.name}: containerd holds ${image.name} at ${digest ?? 'no digest'}, the bundle's is ${image.digest}`,
      });
  }
  // containerd >= 1.7 reports labelled images as pinned to kubelet, whose GC then keeps them.
  for (const image of missing)
    await host.run(`${CTR} images label ${shq(image.name)} io.cri-containerd.pinned=pinned`, {
      signal: opts.signal,
    });
  return { imported: missing.map((i) => i.name), present: images.length - missing.length };
}
