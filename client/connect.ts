// Connection settings shared by the commands that talk to Temporal.
import type { Command } from 'commander';
import { HakubeClient } from './hakube-client';

export interface GlobalFlags {
  address?: string;
  namespace?: string;
}

export function globalFlags(cmd: Command): GlobalFlags {
  let root = cmd;
  while (root.parent) root = root.parent;
  return root.opts<GlobalFlags>();
}

/** Runs fn with a connected client and always closes the connection. */
export async function withClient<T>(cmd: Command, fn: (client: HakubeClient) => Promise<T>): Promise<T> {
  const flags = globalFlags(cmd);
  const client = await HakubeClient.connect({ address: flags.address, namespace: flags.namespace });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}
