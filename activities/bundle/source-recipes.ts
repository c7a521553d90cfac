// What `source` builds for each component: which upstream modules, which main packages,
// which version stamps. Kubernetes stamps mirror hack/lib/version.sh; crictl its Makefile.
import { COMPONENTS, stagingVersion, type ImageRecipe } from '../../cluster/bundle';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { THROWAWAY_MODULE, type GoRecipe, type ModuleInfo } from './go-module-build';

const KUBE_VERSION_PKGS = ['k8s.io/client-go/pkg/version', 'k8s.io/component-base/version'];

function kubernetesLdflags(version: string, info: ModuleInfo): string[] {
  const [, major, minor] = /^v(\d+)\.(\d+)/.exec(version) ?? [];
  const vars: Record<string, string | undefined> = {
    gitVersion: version,
    gitMajor: major,
    gitMinor: minor,
    gitTreeState: 'clean',
    gitCommit: info.commit,
    buildDate: info.time,
  };
  return KUBE_VERSION_PKGS.flatMap((pkg) =>
    Object.entries(vars)
      .filter((e): e is [string, string] => !!e[1])
      .flatMap(([k, v]) => ['-X', `${pkg}.${k}=${v}`]),
  );
}

/** Kubernetes commands from k8s.io/kubernetes, staging modules pinned to v0.<minor>.<patch>. */
export function kubernetesRecipe(version: string, binaries: readonly string[]): GoRecipe {
  const staging = stagingVersion(version);
  return {
    name: binaries.length === 1 && binaries[0] === 'kubectl' ? 'kubectl' : 'kubernetes',
    version,
    modules: [{ path: 'k8s.io/kubernetes', version }],
    pin: (mod) => (mod.startsWith('k8s.io/') ? staging : undefined),
    binaries: Object.fromEntries(binaries.map((b) => [b, `k8s.io/kubernetes/cmd/${b}`])),
    ldflags: (info) => kubernetesLdflags(version, info),
  };
}

export function kubernetesSourceBinaries(withServer: boolean, withKubectl: boolean): string[] {
  return [...(withServer ? COMPONENTS.kubernetes.binaries : []), ...(withKubectl ? ['kubectl'] : [])];
}

/** etcd, etcdctl, etcdutl from their go.etcd.io modules; sibling modules pinned alike. */
export function etcdRecipe(version: string): GoRecipe {
  const mods = ['go.etcd.io/etcd/server/v3', 'go.etcd.io/etcd/etcdctl/v3', 'go.etcd.io/etcd/etcdutl/v3'];
  return {
    name: 'etcd',
    version,
    modules: mods.map((path) => ({ path, version })),
    pin: (mod) => (mod.startsWith('go.etcd.io/etcd/') ? version : undefined),
    binaries: { etcd: mods[0], etcdctl: mods[1], etcdutl: mods[2] },
    ldflags: (info) =>
      info.commit ? ['-X', `go.etcd.io/etcd/api/v3/version.GitSHA=${info.commit.slice(0, 10)}`] : [],
  };
}

/** crictl from sigs.k8s.io/cri-tools. */
export function crictlRecipe(version: string): GoRecipe {
  return {
    name: 'crictl',
    version,
    modules: [{ path: 'sigs.k8s.io/cri-tools', version }],
    pin: () => undefined,
    binaries: { crictl: 'sigs.k8s.io/cri-tools/cmd/crictl' },
    ldflags: () => ['-X', `sigs.k8s.io/cri-tools/pkg/version.Version=${version}`],
  };
}

/** CNI plugins from github.com/containernetworking/plugins (plugins/{main,ipam,meta}/*, not windows). */
export const CNI_SOURCE_PLUGINS: Readonly<Record<string, string>> = {
  main: 'bridge dummy host-device ipvlan loopback macvlan ptp tap vlan',
  ipam: 'dhcp host-local static',
  meta: 'bandwidth firewall portmap sbr tuning vrf',
};

export function cniRecipe(version: string): GoRecipe {
  const mod = 'github.com/containernetworking/plugins';
  const binaries = Object.fromEntries(
    Object.entries(CNI_SOURCE_PLUGINS).flatMap(([group, names]) =>
      names.split(' ').map((n) => [n, `${mod}/plugins/${group}/${n}`]),
    ),
  );
  return {
    name: 'cni',
    version,
    modules: [{ path: mod, version }],
    pin: () => undefined,
    binaries,
    // As upstream's release script stamps it (`<plugin> --version` prints it).
    ldflags: () => ['-X', `${mod}/pkg/utils/buildversion.BuildVersion=${version}`],
  };
}

/** Version stamps that need the module's commit (from the proxy's .info), as upstream sets them. */
function imageInfoLdflags(image: ImageRecipe, info: ModuleInfo): string[] {
  switch (image.id) {
    case 'coredns':
      // Makefile: -X github.com/coredns/coredns/coremain.GitCommit=$(git describe --dirty --always),
      // which prints the tag on a release commit; the short hash when the proxy's .info has one.
      return ['-X', `github.com/coredns/coredns/coremain.GitCommit=${info.commit?.slice(0, 7) ?? image.tag}`];
    case 'metrics-server':
      return [
        ...(info.commit ? ['-X', `k8s.io/client-go/pkg/version.gitCommit=${info.commit}`] : []),
        ...(info.time ? ['-X', `k8s.io/client-go/pkg/version.buildDate=${info.time}`] : []),
      ];
    default:
      return [];
  }
}

/**
 * A copy of a main package without some blank imports, as a package of the throwaway module
 * (cmd/<bin>): every non-test .go file of the package, minus the `_ "<import>"` lines. Each
 * dropped import must be found, so an upstream change is noticed rather than ignored.
 */
function mainWithoutImports(module: string, pkg: string, bin: string, drop: readonly string[]) {
  return async (workDir: string, dirs: Record<string, string>): Promise<void> => {
    const modDir = dirs[module];
    if (!modDir) throw new Error(`${module}: module folder unknown`);
    const src = join(modDir, pkg === module ? '' : pkg.slice(module.length + 1));
    const dest = join(workDir, 'cmd', bin);
    await rm(dest, { recursive: true, force: true });
    await mkdir(dest, { recursive: true });
    const found = new Set<string>();
    for (const name of (await readdir(src)).filter((n) => n.endsWith('.go') && !n.endsWith('_test.go'))) {
      const lines = (await readFile(join(src, name), 'utf8')).split('\n');
      const kept = lines.filter((l) => {
        const hit = drop.find((d) => l.trim() === `_ "${d}"`);
        if (hit) found.add(hit);
        return !hit;
      });
      await writeFile(join(dest, name), kept.join('\n'));
    }
    const missing = drop.filter((d) => !found.has(d));
    if (missing.length)
      throw new Error(`${pkg}: no blank import of ${missing.join(', ')}; review the image recipe`);
  };
}

/** The Go build behind one image of the table (pause is not a Go image). */
export function imageGoRecipe(image: ImageRecipe): GoRecipe {
  const s = image.source;
  if (s.kind !== 'go') throw new Error(`${image.id}: not built with Go`);
  const bin = image.binary.slice(image.binary.lastIndexOf('/') + 1);
  const kube = s.module === 'k8s.io/kubernetes';
  const staging = kube ? stagingVersion(s.version) : undefined;
  return {
    name: `image-${image.id}`,
    version: s.version,
    modules: [{ path: s.module, version: s.version }],
    // agnhost lives in k8s.io/kubernetes: its staging modules are pinned like the Kubernetes build's.
    pin: (mod) => (kube && mod.startsWith('k8s.io/') ? staging : undefined),
    binaries: { [bin]: s.dropImports?.length ? `${THROWAWAY_MODULE}/cmd/${bin}` : s.package },
    ldflags: (info) => [...s.ldflags, ...imageInfoLdflags(image, info)],
    ...(s.dropImports?.length
      ? {
          prepare: {
            variant: `${s.package} without ${s.dropImports.join(',')}`,
            run: mainWithoutImports(s.module, s.package, bin, s.dropImports),
          },
        }
      : {}),
  };
}
