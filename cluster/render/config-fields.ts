// A component configuration file (KubeletConfiguration, KubeProxyConfiguration) as the renderer
// lists it: each top-level field with its value and, for the ones hakube manages, where the value
// comes from and the command-line flags that would override it. The rendered file and the list
// of fields a user may not change both come from this one table.
import { overrideRefused } from './refuse';

export interface ConfigField {
  key: string;
  /** undefined: not written for this host (a field that depends on host facts). */
  value: unknown;
  /** Set for a managed field: where hakube takes the value from ("from spec.network.clusterDomain"). */
  from?: string;
  /** The component's flags that set the same thing (refused in extraArgs when the field is managed). */
  flags?: string[];
}

/** The file's object: fields in table order, those without a value left out. */
export function configObject(fields: readonly ConfigField[]): Record<string, unknown> {
  return Object.fromEntries(fields.filter((f) => f.value !== undefined).map((f) => [f.key, f.value]));
}

/** The managed fields, by key. */
export function managedFields(fields: readonly ConfigField[]): Map<string, ConfigField & { from: string }> {
  return new Map(
    fields.flatMap((f) => (f.from === undefined ? [] : [[f.key, { ...f, from: f.from }] as const])),
  );
}

export type PlainObject = Record<string, unknown>;
export const isPlainObject = (v: unknown): v is PlainObject =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * `overlay` over `base`: maps merge key by key (deeply), anything else (lists, scalars, null)
 * replaces. Keys keep base's order, new keys follow in overlay's order.
 */
export function deepMerge(base: PlainObject, overlay: PlainObject): PlainObject {
  const out: PlainObject = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/** The flags equivalent to the managed fields, with where the field's value comes from. */
export function managedFieldFlags(
  fields: readonly ConfigField[],
  kind: string,
): [name: string, value: undefined, from: string][] {
  return fields.flatMap((f) =>
    f.from === undefined
      ? []
      : (f.flags ?? []).map((flag): [string, undefined, string] => [
          flag,
          undefined,
          `${f.from} (${kind}.${f.key})`,
        ]),
  );
}

/**
 * The file's object: hakube's fields, the user's partial configuration (`userField` in the spec)
 * merged over the ones hakube leaves open, then the feature gates. A managed field in the user's
 * part is refused (validation reports it first: validate-hooks.ts).
 */
export function mergedConfigObject(
  fields: readonly ConfigField[],
  user: PlainObject | undefined,
  userField: string,
  featureGates: Record<string, boolean>,
): PlainObject {
  const managed = managedFields(fields);
  for (const key of Object.keys(user ?? {})) {
    const field = managed.get(key);
    if (field) throw overrideRefused(`${userField}.${key}`, key, field.from);
  }
  const merged = deepMerge(configObject(fields), user ?? {});
  return Object.keys(featureGates).length > 0 ? { ...merged, featureGates } : merged;
}
