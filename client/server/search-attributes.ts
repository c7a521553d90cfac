// Makes sure hakube's search attributes exist on a server (the dev server registers them at
// start; a server started elsewhere, or an older database, may lack them).
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TemporalConnection } from '../temporal-connection';

const TYPES: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
};

export async function ensureSearchAttributes(
  server: string | TemporalConnection,
  namespace: string,
  wanted: Readonly<Record<string, string>>,
): Promise<string[]> {
  const connection = await Connection.connect(typeof server === 'string' ? { address: server } : server);
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const present = new Set(Object.keys(existing.customAttributes ?? {}));
    const missing = Object.entries(wanted).filter(([name]) => !present.has(name));
    if (missing.length > 0) {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, TYPES[type]])),
      });
    }
    return missing.map(([name]) => name);
  } finally {
    await connection.close();
  }
}
