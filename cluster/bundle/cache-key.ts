// What a built bundle depends on, as one canonical text (hashed by the caller; cluster/ has
// no crypto), and the cache folder name derived from it:
//   <kubernetes version>-<arch>-<go version>-<sources hash>
import { COMPONENT_NAMES, type BundleSource, type ComponentName } from './components';

/** Bump with activities/bundle/image-builder's Version (the image bits for the same inputs). */
export const IMAGE_BUILDER_VERSION = 1;

export interface ResolvedComponent {
  name: ComponentName;
  source: BundleSource;
  /** Pinned upstream version, or the Debian package version apt resolved. */
  version: string;
  /** URL, module@version or package=version list: changes whenever the bits would. */
  origin: string;
}

export interface BundleIdentity {
  kubernetesVersion: string;
  arch: string;
  /** "go1.26.8" when a component is built from source, else "nogo". */
  goVersion: string;
  components: readonly ResolvedComponent[];
  /** imageIdentityLines of the bundle's image table; absent or empty: a bundle without images. */
  images?: readonly string[];
}

/** Bump when the build recipe changes in a way that changes the bits. */
export const BUNDLE_RECIPE_VERSION = 1;

export function identityText(id: BundleIdentity): string {
  const byName = new Map(id.components.map((c) => [c.name, c]));
  const lines = [`recipe=${BUNDLE_RECIPE_VERSION}`, `kubernetes=${id.kubernetesVersion}`, `arch=${id.arch}`];
  lines.push(`go=${id.goVersion}`);
  for (const name of COMPONENT_NAMES) {
    const c = byName.get(name);
    if (c) lines.push(`${name}:${c.source}:${c.version}:${c.origin}`);
  }
  // Only bundles with images get these lines, so keys of image-less bundles stay as they were.
  if (id.images?.length) lines.push(`image-builder=${IMAGE_BUILDER_VERSION}`, ...id.images);
  return `${lines.join('\n')}\n`;
}

/** Cache folder name; `sourcesHash` is a hex digest of identityText (first 12 chars used). */
export function bundleCacheName(id: BundleIdentity, sourcesHash: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._+-]/g, '_');
  return [id.kubernetesVersion, id.arch, id.goVersion, sourcesHash.slice(0, 12)].map(safe).join('-');
}
