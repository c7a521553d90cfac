// The flags hakube sets for each component, read from the renderers themselves (the lists the
// units are written from, plus the flags equivalent to the managed fields of the kubelet and
// kube-proxy configuration files, plus etcd's bootstrap environment): what extraArgs may not
// name. Validation, the renderers' own refusal and docs/configuration.md all use these lists.
import type { Cluster, HostSpec } from '../spec';
import { controlPlaneHosts, etcdHosts, nodeHosts } from '../topology';
import { apiserverFlags, controllerManagerFlags, schedulerFlags } from './control-plane';
import { etcdBootstrapFlags, etcdFlags } from './etcd';
import { kubeletManagedFlags, kubeProxyManagedFlags } from './node';
import type { Component } from './hooks';

/** flag name → where hakube takes its value from (undefined: a fixed setting). */
export type ManagedFlagSet = Map<string, string | undefined>;

/** A host that runs the component (flag names do not depend on which one). */
function hostFor(c: Cluster, component: Component): HostSpec {
  const candidates =
    component === 'etcd'
      ? etcdHosts(c)
      : component === 'kubelet' || component === 'kubeProxy'
        ? nodeHosts(c)
        : controlPlaneHosts(c);
  return candidates[0] ?? c.spec.hosts[0];
}

export function managedFlags(c: Cluster, component: Component): ManagedFlagSet {
  const host = hostFor(c, component);
  const flags = {
    apiserver: () => apiserverFlags(c, host),
    controllerManager: () => controllerManagerFlags(c),
    scheduler: () => schedulerFlags(),
    kubelet: () => kubeletManagedFlags(c, host),
    kubeProxy: () => kubeProxyManagedFlags(c, host),
    etcd: () => [...etcdFlags(c, host), ...etcdBootstrapFlags(c)],
  }[component]();
  return new Map(flags.map(([name, , from]) => [name, from]));
}
