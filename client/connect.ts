// Connection settings shared by the commands that talk to Temporal.
import type { Command } from 'commander';
import { HakubeClient } from './hakube-client';
import { loadKeyRing, type LoadedKeys } from './codec/keys';
import { printError } from './output';
import { InputError } from './exit-codes';
import {
  temporalConnectionFromEnv,
  TemporalConnectionConfigError,
  type TemporalConnection,
} from './temporal-connection';

export interface GlobalFlags {
  address?: string;
  namespace?: string;
  /** --codec-key-file, repeatable: payload encryption keys, the first one encrypts. */
  codecKeyFile?: string[];
}

export function globalFlags(cmd: Command): GlobalFlags {
  let root = cmd;
  while (root.parent) root = root.parent;
  return root.opts<GlobalFlags>();
}

/** Payload encryption keys from --codec-key-file, else the environment; warnings go to stderr. */
export function codecKeys(cmd: Command): LoadedKeys {
  const loaded = loadKeyRing({ files: globalFlags(cmd).codecKeyFile });
  for (const w of loaded.warnings) printError(`hakube: warning: ${w}`);
  return loaded;
}

/** Runs fn with a connected client and always closes the connection. */
export async function withClient<T>(cmd: Command, fn: (client: HakubeClient) => Promise<T>): Promise<T> {
  const flags = globalFlags(cmd);
  let connection: TemporalConnection;
  try {
    connection = temporalConnectionFromEnv(process.env, { address: flags.address });
  } catch (err) {
    if (err instanceof TemporalConnectionConfigError) throw new InputError(err.message);
    throw err;
  }
  const client = await HakubeClient.connect({
    connection,
    namespace: flags.namespace,
    codecKeys: codecKeys(cmd).ring ?? null,
  });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}
