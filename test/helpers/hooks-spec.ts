// Cluster specs with configuration hooks, for the hooks' tests: the every-hook fixture, and the
// corpus base with a few fields changed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Cluster } from '../../cluster/spec';
import { validateClusterSpec, type ValidationResult } from '../../cluster/validate';
import { SPEC_FIXTURES } from './temp-home';

type Doc = { spec: Record<string, unknown> };

export function everyHookDoc(): Doc {
  return parse(readFileSync(join(SPEC_FIXTURES, 'hooks', 'every-hook.yaml'), 'utf8')) as Doc;
}

/** The corpus base with `spec` fields replaced by `changes`, validated. */
export function validateWith(changes: Record<string, unknown>): ValidationResult {
  const doc = parse(readFileSync(join(SPEC_FIXTURES, 'valid', 'minimal-3-masters.yaml'), 'utf8')) as Doc;
  Object.assign(doc.spec, changes);
  return validateClusterSpec(doc);
}

export function clusterWith(changes: Record<string, unknown>): Cluster {
  const r = validateWith(changes);
  assert.ok(r.cluster, JSON.stringify(r.problems, null, 2));
  return r.cluster;
}

export function everyHookCluster(): Cluster {
  const r = validateClusterSpec(everyHookDoc());
  assert.ok(r.cluster, JSON.stringify(r.problems, null, 2));
  return r.cluster;
}

/** `path: message` of each error. */
export const errorsOf = (r: ValidationResult): string[] =>
  r.problems.filter((p) => p.severity === 'error').map((p) => `${p.path}: ${p.message}`);
