// A flag as the renderers list it: the structured form every unit's ExecStart is written from,
// and the one validation reads to know which flags hakube sets (cluster/render/managed-flags.ts).

export type FlagValue = string | number | boolean;

/**
 * `[name, value, from?]`: the flag without `--`, its value, and, when the spec decides the value,
 * where (a spec field or a description such as "the etcd hosts"); without `from` the value is
 * hakube's own fixed choice.
 */
export type Flag = [name: string, value: FlagValue, from?: string];

/** A flag hakube sets without saying to what (an equivalent of a config-file field): name and origin only. */
export type ManagedFlag = [name: string, value: undefined, from?: string];
