// The names a conformance run asks for (images-plan.ts), made to exist on every node: each is a
// tag of a bundle image already in the node's containerd (k8s.io namespace, the one kubelet's CRI
// uses). A tag is metadata only; `--force` makes a re-run point it at the current bundle image.
// Images `hakube conformance build` made (images.ts) are uploaded and imported instead.
import { posix } from 'node:path';
import type { ImageAlias } from '../../cluster/conformance';
import { BIN_DIR } from '../../cluster/layout';
import { parseImageList } from '../node/bundle-images';
import type { Host } from '../ssh';
import { shq } from '../ssh/shell';

const CTR = `${BIN_DIR}/ctr -n k8s.io`;

export interface TagResult {
  host: string;
  tagged: string[];
  /** alias -> why not (the bundle image is not on the node, ctr failed). */
  failed: Record<string, string>;
}

export async function tagAliases(host: Host, aliases: readonly ImageAlias[]): Promise<TagResult> {
  const result: TagResult = { host: host.name, tagged: [], failed: {} };
  for (const a of aliases) {
    const r = await host.exec(`${CTR} images tag --force ${shq(a.bundleRef)} ${shq(a.e2eRef)}`, {
      timeoutMs: 60_000,
    });
    if (r.exitCode === 0) result.tagged.push(a.e2eRef);
    else result.failed[a.e2eRef] = (r.stderr || r.stdout).trim().split('\n')[0] ?? `exit ${r.exitCode}`;
  }
  return result;
}

/** Where `hakube conformance` puts its image archives on a node. */
export const CONFORMANCE_IMAGES_DIR = '/var/lib/hakube/conformance-images';

export interface ImportableImage {
  ref: string;
  archive: string;
  digest: string;
}

/**
 * Uploads each archive (skipped when the node has the same bytes) and imports it into containerd
 * unless it already holds the name at that digest; then checks the digest containerd reports.
 */
export async function importImages(host: Host, images: readonly ImportableImage[]): Promise<string[]> {
  const have = parseImageList((await host.run(`${CTR} images ls`)).stdout);
  const missing = images.filter((i) => have.get(i.ref) !== i.digest);
  for (const image of missing) {
    const remote = `${CONFORMANCE_IMAGES_DIR}/${posix.basename(image.archive)}`;
    await host.ensureDir(CONFORMANCE_IMAGES_DIR);
    await host.ensureFile(remote, { localPath: image.archive });
    const r = await host.exec(`${CTR} images import ${shq(remote)}`, { timeoutMs: 10 * 60_000 });
    if (r.exitCode !== 0)
      throw new Error(`${host.name}: containerd refused ${image.ref}: ${(r.stderr || r.stdout).trim()}`);
  }
  const after = missing.length ? parseImageList((await host.run(`${CTR} images ls`)).stdout) : have;
  for (const image of images)
    if (after.get(image.ref) !== image.digest)
      throw new Error(
        `${host.name}: containerd holds ${image.ref} at ${after.get(image.ref) ?? 'no digest'}, built ${image.digest}`,
      );
  // As the bundle's images (activities/node/bundle-images.ts): containerd >= 1.7 reports them as
  // pinned, and kubelet's image garbage collection keeps them (nothing could pull them back).
  for (const image of missing)
    await host.run(`${CTR} images label ${shq(image.ref)} io.cri-containerd.pinned=pinned`);
  return missing.map((i) => i.ref);
}
