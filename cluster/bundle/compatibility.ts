// Warnings about version pairings in a bundle that work but are outside what upstream
// supports (Debian's etcd 3.4 and kubectl 1.20 next to Kubernetes 1.37).
import type { ResolvedComponent } from './cache-key';
import { MIN_SUPPORTED_ETCD_VERSION, etcdSupport, parseSemver } from './versions';

/** kubectl is supported within one minor version of the apiserver. */
const KUBECTL_SKEW = 1;

export function compatibilityNotes(
  kubernetesVersion: string,
  components: readonly ResolvedComponent[],
): string[] {
  const notes: string[] = [];
  const k8s = parseSemver(kubernetesVersion);
  for (const c of components) {
    if (c.name === 'etcd') {
      const support = etcdSupport(c.version);
      if (support === 'degraded')
        notes.push(
          `etcd ${c.version} is below ${MIN_SUPPORTED_ETCD_VERSION}, the oldest etcd Kubernetes ${kubernetesVersion} ` +
            'supports: the apiserver works but without watch-progress requests (no consistent reads from cache, ' +
            'WatchList falls back to LIST); see docs/bundle.md',
        );
      if (support === 'unsupported')
        notes.push(
          `etcd ${c.version} cannot back Kubernetes ${kubernetesVersion} (needs ${MIN_SUPPORTED_ETCD_VERSION}+)`,
        );
    }
    if (c.name === 'kubectl' && k8s) {
      const v = parseSemver(c.version);
      if (v && (v[0] !== k8s[0] || Math.abs(v[1] - k8s[1]) > KUBECTL_SKEW))
        notes.push(
          `kubectl ${c.version} is outside the supported skew (±${KUBECTL_SKEW} minor) of Kubernetes ${kubernetesVersion}`,
        );
    }
  }
  return notes;
}
