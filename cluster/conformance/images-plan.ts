// Which e2e images a cluster installed from the offline bundle has, and under which names e2e.test
// finds them: the e2e registries are remapped (KUBE_TEST_REPO_LIST) to names under
// CONFORMANCE_REGISTRY, which exist only as tags of the bundle's images in each node's containerd.
// Nothing answers at that name, so an image the bundle lacks cannot be pulled by accident, and
// no upstream name is claimed for an image built here.
import { NEEDS_REGISTRY } from './test-images';
import { e2eImageRef, type E2EImage, type E2EImageTable } from './e2e-images';

export const CONFORMANCE_REGISTRY = 'e2e.hakube.local';
/**
 * The names of a `--bundle-images-only` run: there agnhost is the bundle's (no shell), so it must
 * not take the name under which a full run finds the Debian-based agnhost.
 */
export const BUNDLE_ONLY_REGISTRY = 'bundle.e2e.hakube.local';
/** Registries left as they are: tests rely on this one not resolving. */
const KEPT_REGISTRIES = new Set(['invalidRegistry']);

/** An image of the bundle, as manifest.json lists it. */
export interface BundleImageRef {
  /** e.g. registry.k8s.io/e2e-test-images/agnhost:2.66.1 */
  name: string;
  /** e.g. k8s.io/kubernetes@v1.37.2, or build/pause/linux/pause.c@k8s.io/kubernetes@v1.37.2 */
  origin: string;
}

/**
 * Tags upstream gives the images built from the Kubernetes module itself, read from the module
 * (test/images/agnhost/VERSION, build/pause/Makefile's TAG). The bundle's pause is tagged 3.10
 * for kubelet's sandbox image, but is built from the same pause.c upstream publishes as this tag.
 */
export type SourceTags = Readonly<Record<string, string>>;

export interface ImageAlias {
  /** e2e image id, e.g. Agnhost */
  id: string;
  /** The bundle's image (already in every node's containerd). */
  bundleRef: string;
  /** The name e2e.test asks for with the repo list. */
  e2eRef: string;
  /** Why the two are the same image. */
  why: string;
}

/** promoterE2eRegistry -> promoter-e2e-registry: image repositories are lowercase. */
const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The remapped registries (the content of KUBE_TEST_REPO_LIST, as an object). */
export function remappedRegistries(
  table: E2EImageTable,
  registry: string = CONFORMANCE_REGISTRY,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(table.registries).map(([key, value]) => [
      key,
      KEPT_REGISTRIES.has(key) ? value : `${registry}/${kebab(key)}`,
    ]),
  );
}

/** KUBE_TEST_REPO_LIST's YAML. Values are checked, not escaped: they are registry names. */
export function renderRepoList(registries: Record<string, string>): string {
  return (
    Object.entries(registries)
      .map(([key, value]) => {
        if (!/^\w+$/.test(key) || !/^[a-z0-9][a-z0-9.:/_-]*$/.test(value))
          throw new Error(`repo list: refusing ${key}: ${value}`);
        return `${key}: ${value}`;
      })
      .join('\n') + '\n'
  );
}

const repoOf = (ref: string) => ref.slice(0, ref.lastIndexOf(':'));
const lastSegment = (repo: string) => repo.slice(repo.lastIndexOf('/') + 1);

function sameImage(
  image: E2EImage,
  upstreamRef: string,
  bundle: BundleImageRef,
  kubernetesVersion: string,
  sourceTags: SourceTags,
): string | undefined {
  if (bundle.name === upstreamRef) return `the bundle's ${bundle.name}`;
  const fromModule = bundle.origin.endsWith(`k8s.io/kubernetes@${kubernetesVersion}`);
  const name = lastSegment(repoOf(bundle.name));
  if (fromModule && name === image.name && sourceTags[name] === image.tag)
    return `the bundle's ${bundle.name}, built from k8s.io/kubernetes@${kubernetesVersion}, whose ${name} source is tagged ${image.tag} upstream`;
  return undefined;
}

/** The e2e images the bundle has, each with the bundle image it is a tag of. */
export function bundleAliases(
  table: E2EImageTable,
  bundle: readonly BundleImageRef[],
  kubernetesVersion: string,
  sourceTags: SourceTags,
  registry: string = CONFORMANCE_REGISTRY,
): ImageAlias[] {
  const remapped = remappedRegistries(table, registry);
  const out: ImageAlias[] = [];
  for (const image of table.images) {
    if (KEPT_REGISTRIES.has(image.registry)) continue;
    const upstreamRef = e2eImageRef(image, table.registries);
    for (const b of bundle) {
      const why = sameImage(image, upstreamRef, b, kubernetesVersion, sourceTags);
      if (!why) continue;
      out.push({ id: image.id, bundleRef: b.name, e2eRef: e2eImageRef(image, remapped), why });
      break;
    }
  }
  return out;
}

/** Upstream reference of an e2e image id (for messages: "lacks registry.k8s.io/e2e-test-images/busybox:1.37.0-2"). */
export function upstreamRefOf(table: E2EImageTable, id: string): string {
  if (id === NEEDS_REGISTRY) return 'a registry serving its image (it pulls with imagePullPolicy: Always)';
  const image = table.images.find((i) => i.id === id);
  return image ? e2eImageRef(image, table.registries) : id;
}
