// Container images in the bundle: the pinned versions and the image table (name, tag,
// source, binary path in the image, entrypoint, user). The images are built from source on
// the bundle machine (no registry serves images here); see docs/bundle.md "Images".
// Pure data and helpers; activities/bundle/images.ts builds them.
import type { Role } from '../spec';
import { COREDNS_VERSION, FLANNEL_VERSION, METRICS_SERVER_VERSION } from '../manifests/addon-versions';

/** Must equal SANDBOX_IMAGE in cluster/render/node.ts (containerd's sandbox_image). */
export const PAUSE_TAG = '3.10';
// The add-ons' versions are pinned once, with the manifests written for them.
export { COREDNS_VERSION, FLANNEL_VERSION, METRICS_SERVER_VERSION } from '../manifests/addon-versions';
/** CNI plugins for `--from cni=source` (the release download stays at COMPONENT_VERSIONS.cni). */
export const CNI_SOURCE_VERSION = 'v1.10.0';
/** Where agnhost's tag comes from, inside the k8s.io/kubernetes module. */
export const AGNHOST_VERSION_FILE = 'test/images/agnhost/VERSION';
/** Where pause comes from, inside the k8s.io/kubernetes module. */
export const PAUSE_SOURCE_FILE = 'build/pause/linux/pause.c';

export const IMAGE_IDS = ['pause', 'coredns', 'metrics-server', 'flannel', 'agnhost'] as const;
export type ImageId = (typeof IMAGE_IDS)[number];

/** Every node may run any pod, so every image goes to control-plane and worker hosts. */
export const IMAGE_ROLES: readonly Role[] = ['control-plane', 'worker'];

export type ImageSource =
  /** `go build` of one main package from a module (version: the module's). */
  | {
      kind: 'go';
      module: string;
      version: string;
      package: string;
      ldflags: readonly string[];
      /**
       * Blank imports (`_ "pkg"`) to leave out of the main package: it is then compiled as a
       * copy without those lines. For packages whose dependencies the proxy does not serve.
       */
      dropImports?: readonly string[];
    }
  /** `gcc -Os -static` of build/pause/linux/pause.c from k8s.io/kubernetes@version. */
  | { kind: 'pause'; module: 'k8s.io/kubernetes'; version: string };

export interface ImageRecipe {
  id: ImageId;
  /** e.g. registry.k8s.io/pause */
  repository: string;
  /** Fixed tag, or undefined when it is read from `tagFile` in the module (agnhost). */
  tag?: string;
  tagFile?: string;
  source: ImageSource;
  /** Absolute path of the binary in the image. */
  binary: string;
  entrypoint: readonly string[];
  cmd?: readonly string[];
  user?: string;
}

/**
 * The image table for a bundle of this Kubernetes version. pause and agnhost come from the
 * k8s.io/kubernetes module at that version; the others are pinned above.
 */
export function imageTable(kubernetesVersion: string): ImageRecipe[] {
  return [
    {
      id: 'pause',
      repository: 'registry.k8s.io/pause',
      tag: PAUSE_TAG,
      source: { kind: 'pause', module: 'k8s.io/kubernetes', version: kubernetesVersion },
      binary: '/pause',
      entrypoint: ['/pause'],
      user: '65535:65535',
    },
    {
      id: 'coredns',
      repository: 'registry.k8s.io/coredns/coredns',
      tag: COREDNS_VERSION,
      source: {
        kind: 'go',
        module: 'github.com/coredns/coredns',
        version: COREDNS_VERSION,
        package: 'github.com/coredns/coredns',
        // GitCommit (from the proxy's commit hash) is added by the builder, as upstream's Makefile does.
        ldflags: [],
      },
      binary: '/coredns',
      entrypoint: ['/coredns'],
    },
    {
      id: 'metrics-server',
      repository: 'registry.k8s.io/metrics-server/metrics-server',
      tag: METRICS_SERVER_VERSION,
      source: {
        kind: 'go',
        module: 'sigs.k8s.io/metrics-server',
        version: METRICS_SERVER_VERSION,
        package: 'sigs.k8s.io/metrics-server/cmd/metrics-server',
        ldflags: ['-X', `k8s.io/client-go/pkg/version.gitVersion=${METRICS_SERVER_VERSION}`],
      },
      binary: '/metrics-server',
      entrypoint: ['/metrics-server'],
      user: '65534',
    },
    {
      id: 'flannel',
      repository: 'ghcr.io/flannel-io/flannel',
      tag: FLANNEL_VERSION,
      source: {
        kind: 'go',
        module: 'github.com/flannel-io/flannel',
        version: FLANNEL_VERSION,
        package: 'github.com/flannel-io/flannel',
        ldflags: ['-X', `github.com/flannel-io/flannel/pkg/version.Version=${FLANNEL_VERSION}`],
        // tencentvpc: its SDK (github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc) is
        // not served by the module proxy here. udp: on amd64 it needs cgo (upstream builds
        // amd64 with CGO_ENABLED=1 for it alone; other arches never have it). flanneld is built
        // without those two backends.
        dropImports: [
          'github.com/flannel-io/flannel/pkg/backend/tencentvpc',
          'github.com/flannel-io/flannel/pkg/backend/udp',
        ],
      },
      binary: '/opt/bin/flanneld',
      entrypoint: ['/opt/bin/flanneld'],
    },
    {
      id: 'agnhost',
      repository: 'registry.k8s.io/e2e-test-images/agnhost',
      tagFile: AGNHOST_VERSION_FILE,
      source: {
        kind: 'go',
        module: 'k8s.io/kubernetes',
        version: kubernetesVersion,
        package: 'k8s.io/kubernetes/test/images/agnhost',
        ldflags: [],
      },
      binary: '/agnhost',
      entrypoint: ['/agnhost'],
      cmd: ['pause'],
    },
  ];
}

/** Full image references: an explicit registry host, lowercase path, a tag. No digests. */
export const IMAGE_REF_PATTERN =
  /^(?:localhost|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)(?::[0-9]{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export const IMAGE_DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** A tag read from a module file (agnhost's VERSION), checked like any input. */
export function parseImageTag(text: string): string {
  const tag = text.trim();
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) throw new Error(`not an image tag: "${tag}"`);
  return tag;
}

export function imageRef(recipe: ImageRecipe, tag: string): string {
  return `${recipe.repository}:${tag}`;
}

/** Bundle-relative archive path: images/<last path segment>-<tag>.tar, e.g. images/pause-3.10.tar. */
export function imageArchivePath(ref: string): string {
  const colon = ref.lastIndexOf(':');
  const repo = ref.slice(0, colon);
  return `images/${repo.slice(repo.lastIndexOf('/') + 1)}-${ref.slice(colon + 1)}.tar`;
}

/** module@version list (Go images) or pause.c@<k8s module> (pause): the manifest's origin. */
export function imageOrigin(recipe: ImageRecipe): string {
  const s = recipe.source;
  return s.kind === 'pause' ? `${PAUSE_SOURCE_FILE}@${s.module}@${s.version}` : `${s.module}@${s.version}`;
}

/** One line per image for the bundle cache key: anything that changes the image's bits. */
export function imageIdentityLines(table: readonly ImageRecipe[]): string[] {
  return table.map((r) => `image=${JSON.stringify(r)}`);
}
