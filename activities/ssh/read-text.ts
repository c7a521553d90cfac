// Text files on a host (PEMs, kubeconfigs, metadata): the bytes of Host.readFile as UTF-8.
import type { Host } from './types';

/** A file's text, or undefined when it is not there. */
export async function readText(host: Host, path: string): Promise<string | undefined> {
  return (await host.readFile(path))?.toString('utf8');
}
