// The configuration hooks as a unit sees them (docs/configuration.md): the feature gates a
// component gets (cluster-wide, overridden per component) and the user's extra flags, placed
// after hakube's own. A user flag naming one hakube sets is refused here too, so a spec that
// reached a renderer without validation (validate-hooks.ts) still cannot override one.
import type { Cluster } from '../spec';
import type { Flag, ManagedFlag } from './flags';
import { overrideRefused, unsafeValue } from './refuse';

export type KubeComponent = 'apiserver' | 'controllerManager' | 'scheduler' | 'kubelet' | 'kubeProxy';
export type Component = KubeComponent | 'etcd';
export const COMPONENTS: readonly Component[] = [
  'apiserver',
  'controllerManager',
  'scheduler',
  'kubelet',
  'kubeProxy',
  'etcd',
];

/** Where a component's hooks live in the spec, for messages. */
export const componentPath = (component: Component): string => `spec.components.${component}`;

/** spec.featureGates with the component's own featureGates over it, sorted by name. */
export function effectiveFeatureGates(c: Cluster, component: KubeComponent): Record<string, boolean> {
  const merged = { ...c.spec.featureGates, ...c.spec.components?.[component]?.featureGates };
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `Name=true,Other=false`, sorted by name (the form --feature-gates takes). */
export function formatFeatureGates(gates: Record<string, boolean>): string {
  return Object.entries(gates)
    .map(([name, on]) => `${name}=${on}`)
    .join(',');
}

/** --feature-gates for a component configured by flags; none when no gate is set. */
export function featureGatesFlags(c: Cluster, component: KubeComponent): Flag[] {
  const gates = effectiveFeatureGates(c, component);
  if (Object.keys(gates).length === 0) return [];
  return [
    [
      'feature-gates',
      formatFeatureGates(gates),
      `spec.featureGates and ${componentPath(component)}.featureGates`,
    ],
  ];
}

/** The component's extraArgs, sorted by name (the spec's key order does not change the unit). */
export function extraArgsOf(c: Cluster, component: Component): [string, string][] {
  const args = c.spec.components?.[component]?.extraArgs ?? {};
  return Object.entries(args).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The user's flags for a unit whose own flags are `flags`: refused when one names a flag hakube
 * sets, or `feature-gates` of a Kubernetes component (spec.featureGates carries those).
 */
export function checkedExtraArgs(
  c: Cluster,
  component: Component,
  flags: readonly (Flag | ManagedFlag)[],
): [string, string][] {
  const managed = new Map(flags.map(([name, , from]) => [name, from]));
  const args = extraArgsOf(c, component);
  for (const [name, value] of args) {
    const field = `${componentPath(component)}.extraArgs.${name}`;
    if (managed.has(name)) throw overrideRefused(field, `--${name}`, managed.get(name));
    if (name === 'feature-gates' && component !== 'etcd')
      throw unsafeValue(field, value, 'set spec.featureGates or the component featureGates instead');
  }
  return args;
}
