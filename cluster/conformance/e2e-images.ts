// The e2e framework's image table (test/utils/image/manifest.go of the Kubernetes module): which
// registry (by its KUBE_TEST_REPO_LIST key), name and tag each image id has, and the registries'
// defaults. Read from the module at conformance-build time, so it follows the Kubernetes version.

/** The file in k8s.io/kubernetes the table is read from. */
export const E2E_IMAGE_MANIFEST = 'test/utils/image/manifest.go';

export interface E2EImage {
  /** The Go constant: Agnhost, BusyBox, Pause, ... */
  id: string;
  /** KUBE_TEST_REPO_LIST key of its registry, e.g. promoterE2eRegistry. */
  registry: string;
  name: string;
  tag: string;
}

export interface E2EImageTable {
  /** KUBE_TEST_REPO_LIST key -> default value (e.g. promoterE2eRegistry -> registry.k8s.io/e2e-test-images). */
  registries: Record<string, string>;
  images: E2EImage[];
}

/**
 * Parses manifest.go: the RegistryList struct's yaml tags, initRegistry's values, and the
 * `configs[Id] = Config{list.Field, "name", "tag"}` lines. Throws when a part is missing, so an
 * upstream change is noticed instead of yielding an empty table.
 */
export function parseE2EImageManifest(goSource: string): E2EImageTable {
  const fieldToKey = new Map<string, string>();
  for (const m of goSource.matchAll(/^\s*(\w+Registry)\s+string\s+`yaml:"(\w+)"`/gm))
    fieldToKey.set(m[1], m[2]);
  const init = /initRegistry\s*=\s*RegistryList\{([\s\S]*?)\n\s*\}/.exec(goSource);
  const registries: Record<string, string> = {};
  for (const m of init?.[1].matchAll(/^\s*(\w+):\s*"([^"]+)"/gm) ?? []) {
    const key = fieldToKey.get(m[1]);
    if (key) registries[key] = m[2];
  }
  const images: E2EImage[] = [];
  for (const m of goSource.matchAll(
    /configs\[(\w+)\]\s*=\s*Config\{list\.(\w+),\s*"([^"]+)",\s*"([^"]+)"\}/g,
  )) {
    const registry = fieldToKey.get(m[2]);
    if (!registry) throw new Error(`${E2E_IMAGE_MANIFEST}: ${m[1]} uses unknown registry field ${m[2]}`);
    images.push({ id: m[1], registry, name: m[3], tag: m[4] });
  }
  if (!fieldToKey.size || !Object.keys(registries).length || !images.length)
    throw new Error(`${E2E_IMAGE_MANIFEST}: registry list or image configs not found; review the parser`);
  return { registries, images };
}

/** The reference e2e.test uses for `image` with `registries` (defaults or a repo list). */
export function e2eImageRef(image: E2EImage, registries: Record<string, string>): string {
  return `${registries[image.registry]}/${image.name}:${image.tag}`;
}
