// What `source` builds for each component: which upstream modules, which main packages,
// which version stamps. Kubernetes stamps mirror hack/lib/version.sh; crictl its Makefile.
import { COMPONENTS, stagingVersion } from '../../cluster/bundle';
import type { GoRecipe, ModuleInfo } from './go-module-build';

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
