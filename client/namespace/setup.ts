// `hakube namespace setup`: what an administrator runs once per namespace, so that workers need no
// admin rights. Creates the namespace when missing, sets its retention, and registers hakube's
// search attributes; safe to run again (what is already right is left alone).
import { SEARCH_ATTRIBUTE_TYPES } from '../../cluster/search-attributes';
import {
  customSearchAttributes,
  describeNamespace,
  grpcCode,
  GrpcCode,
  msToDuration,
  retentionOf,
  type NamespaceServices,
} from './grpc';
import { DEFAULT_RETENTION_MS, formatRetention } from './retention';
import { compareSearchAttributes, describeWrongTypes, indexedValueType } from './search-attributes';

export interface SetupOptions {
  namespace: string;
  /** Set exactly this retention. Without it: hakube's default, and a longer one already set is kept. */
  retentionMs?: number;
  /** A namespace just created reaches the server's namespace cache after a moment (seconds). */
  readyTimeoutMs?: number;
}

export interface SetupReport {
  namespace: string;
  created: boolean;
  retention: { ms: number; previousMs?: number; changed: boolean };
  searchAttributes: { added: string[]; present: string[] };
}

/** A search attribute of hakube's name exists with another type: changing it is the admin's call. */
export class SearchAttributeConflictError extends Error {
  override name = 'SearchAttributeConflict';
}

async function pollUntil<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      // Only "not found yet" is worth waiting for; anything else (no permission) is the answer.
      if (grpcCode(err) !== GrpcCode.NOT_FOUND) throw err;
      last = err;
    }
    if (Date.now() >= deadline)
      throw new Error(`${what} did not happen within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Registers the namespace; a concurrent creator (compose's auto-setup) winning the race is fine. */
async function createNamespace(services: NamespaceServices, namespace: string, retentionMs: number) {
  try {
    await services.workflowService.registerNamespace({
      namespace,
      description: 'hakube operations',
      workflowExecutionRetentionPeriod: msToDuration(retentionMs),
    });
    return true;
  } catch (err) {
    if (grpcCode(err) === GrpcCode.ALREADY_EXISTS) return false;
    throw err;
  }
}

export async function setupNamespace(services: NamespaceServices, opts: SetupOptions): Promise<SetupReport> {
  const { namespace } = opts;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const wantedRetention = opts.retentionMs ?? DEFAULT_RETENTION_MS;
  const created =
    (await describeNamespace(services, namespace)) === undefined &&
    (await createNamespace(services, namespace, wantedRetention));
  const described = await pollUntil(`namespace ${namespace} to be served`, readyTimeoutMs, () =>
    describeNamespace(services, namespace),
  );
  const existing = await pollUntil(`namespace ${namespace} to list search attributes`, readyTimeoutMs, () =>
    customSearchAttributes(services, namespace),
  );
  // Refused before anything changes: the admin decides what becomes of an attribute in use.
  const compared = compareSearchAttributes(existing);
  if (compared.wrongType.length > 0)
    throw new SearchAttributeConflictError(
      `namespace ${namespace}: ${describeWrongTypes(compared.wrongType)}. A search attribute's type cannot be ` +
        'changed in place: remove it (temporal operator search-attribute remove) or use another namespace',
    );
  if (compared.missing.length > 0) {
    await services.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        compared.missing.map((name) => [name, indexedValueType(SEARCH_ATTRIBUTE_TYPES[name])]),
      ),
    });
    await pollUntil(
      `search attributes ${compared.missing.join(', ')} to be listed`,
      readyTimeoutMs,
      async () => {
        const after = compareSearchAttributes(await customSearchAttributes(services, namespace));
        return after.missing.length === 0 ? after : undefined;
      },
    );
  }
  const previousMs = retentionOf(described);
  const targetMs =
    opts.retentionMs ??
    (previousMs !== undefined && previousMs > wantedRetention ? previousMs : wantedRetention);
  const changed = !created && previousMs !== targetMs;
  if (changed)
    await services.workflowService.updateNamespace({
      namespace,
      config: { workflowExecutionRetentionTtl: msToDuration(targetMs) },
    });
  return {
    namespace,
    created,
    retention: { ms: targetMs, ...(created ? {} : { previousMs }), changed },
    searchAttributes: { added: compared.missing, present: compared.present },
  };
}

/** What the command prints: one line for the namespace and its retention, one per attribute. */
export function setupReportLines(r: SetupReport): string[] {
  const retention = r.retention.changed
    ? `retention ${r.retention.previousMs === undefined ? 'unknown' : formatRetention(r.retention.previousMs)} → ${formatRetention(r.retention.ms)}`
    : `retention ${formatRetention(r.retention.ms)}${r.created ? '' : ' (unchanged)'}`;
  return [
    `namespace ${r.namespace}: ${r.created ? 'created' : 'exists'}, ${retention}`,
    ...Object.entries(SEARCH_ATTRIBUTE_TYPES).map(
      ([name, type]) =>
        `  search attribute ${name} (${type}): ${r.searchAttributes.added.includes(name) ? 'registered' : 'already registered'}`,
    ),
  ];
}
