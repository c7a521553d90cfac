// Resolving a build request into exact component versions and origins before anything is
// built, so the cache key is known up front and a repeated request is a cache hit.
import {
  COMPONENT_NAMES,
  CNI_SOURCE_VERSION,
  COMPONENT_VERSIONS,
  bundleCacheName,
  imageIdentityLines,
  imageTable,
  compatibilityNotes,
  identityText,
  parseFrom,
  pickDefaultKubernetesVersion,
  releaseArtifacts,
  BundleInputError,
  type BundleIdentity,
  type ComponentName,
  type ImageRecipe,
  type ResolvedComponent,
  type SourceSelection,
} from '../../cluster/bundle';
import { checkDebianArch, resolveDebianComponents } from './debian';
import { sha256Text } from './files';
import { findGo, type GoToolchain } from './go-toolchain';
import { releaseOrigin } from './release';
import { cniRecipe, crictlRecipe, etcdRecipe, kubernetesRecipe } from './source-recipes';

/** Which container images the bundle carries: every image of the table, or none. */
export type ImageSelection = 'all' | 'none';

export interface BuildRequest {
  kubernetesVersion?: string;
  from?: string;
  arch: string;
  mirror?: string;
  /**
   * Container images (built from source with the Go toolchain). Default: 'all' when the
   * bundle already uses the Go toolchain for a component (the default bundle does), else
   * 'none', so a release- or Debian-only bundle needs no Go.
   */
  images?: ImageSelection;
}

export interface ResolvedBuild {
  kubernetesVersion: string;
  arch: string;
  mirror?: string;
  sources: SourceSelection;
  notes: string[];
  toolchain?: GoToolchain;
  components: ResolvedComponent[];
  /** The image table when the bundle carries images, else empty. */
  images: ImageRecipe[];
  identity: BundleIdentity;
  cacheName: string;
}

/** The version a component is pinned to for `release` and `source`. */
export function pinnedVersion(
  component: ComponentName,
  kubernetesVersion: string,
  source?: 'release' | 'source',
): string {
  if (component === 'cni' && source === 'source') return CNI_SOURCE_VERSION;
  return component === 'kubernetes' || component === 'kubectl'
    ? kubernetesVersion
    : COMPONENT_VERSIONS[component];
}

function sourceOrigin(component: ComponentName, version: string): string {
  const recipe =
    component === 'etcd'
      ? etcdRecipe(version)
      : component === 'crictl'
        ? crictlRecipe(version)
        : component === 'cni'
          ? cniRecipe(version)
          : kubernetesRecipe(version, [component === 'kubectl' ? 'kubectl' : 'kube-apiserver']);
  return recipe.modules.map((m) => `${m.path}@${m.version}`).join(',');
}

export async function resolveBuild(req: BuildRequest): Promise<ResolvedBuild> {
  const { sources, notes } = parseFrom(req.from);
  const componentsUseGo = COMPONENT_NAMES.some((c) => sources[c] === 'source');
  const withImages = (req.images ?? (componentsUseGo ? 'all' : 'none')) === 'all';
  const toolchain = componentsUseGo || withImages ? await findGo() : undefined;
  const kubernetesVersion =
    req.kubernetesVersion ?? pickDefaultKubernetesVersion({ goVersion: toolchain?.version });
  if (!/^v\d+\.\d+\.\d+$/.test(kubernetesVersion))
    throw new BundleInputError(`--kubernetes: expected a version like v1.37.2, got "${kubernetesVersion}"`);
  const fromDebian = COMPONENT_NAMES.filter((c) => sources[c] === 'debian');
  if (fromDebian.length) await checkDebianArch(req.arch);
  const debian = await resolveDebianComponents(fromDebian);

  const components: ResolvedComponent[] = [];
  for (const name of COMPONENT_NAMES) {
    const source = sources[name];
    const deb = debian.get(name);
    if (deb) {
      components.push({ name, source, ...deb });
      continue;
    }
    const version = pinnedVersion(name, kubernetesVersion, source === 'source' ? 'source' : 'release');
    const origin =
      source === 'source'
        ? sourceOrigin(name, version)
        : releaseOrigin(releaseArtifacts(name, version, req.arch, req.mirror));
    components.push({ name, source, version, origin });
  }
  const images = withImages ? imageTable(kubernetesVersion) : [];
  const identity: BundleIdentity = {
    kubernetesVersion,
    arch: req.arch,
    goVersion: toolchain?.version ?? 'nogo',
    components,
    images: imageIdentityLines(images),
  };
  const cacheName = bundleCacheName(identity, sha256Text(identityText(identity)));
  notes.push(...compatibilityNotes(kubernetesVersion, components));
  return {
    kubernetesVersion,
    arch: req.arch,
    mirror: req.mirror,
    sources,
    notes,
    toolchain,
    components,
    images,
    identity,
    cacheName,
  };
}
