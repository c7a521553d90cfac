// The history scan a scenario runs on its own dev server before closing the session: the generic
// patterns, plus the secrets of that run (the lab's SSH key, keys and tokens read from hosts).
import { readFileSync } from 'node:fs';
import type { LabSession } from '../../../test/helpers/lab-session';
import { keySecrets, type KnownSecret } from '../../../test/helpers/history-scan';
import { keepScan, scanDevServer, type LabeledScan } from './history-sources';
import { keyFiles, keysIn, type KeyFile } from './host-checks';

/** Every private key on the lab's hosts (found by content), with the files that hold them. */
export async function keysOnHosts(
  session: LabSession,
): Promise<{ files: KeyFile[]; keys: { what: string; pem: string }[] }> {
  const files: KeyFile[] = [];
  const keys: { what: string; pem: string }[] = [];
  for (const h of session.cluster.spec.hosts) {
    const host = session.on(h.name);
    const found = await keyFiles(host);
    files.push(...found);
    keys.push(...(await keysIn(host, found)));
  }
  return { files, keys };
}

export function scanSession(
  session: LabSession,
  keys: { what: string; pem: string }[] = [],
  secrets: KnownSecret[] = [],
): LabeledScan {
  const known = [
    ...keySecrets('the lab SSH private key', readFileSync(session.lab.sshKeyPath, 'utf8')),
    ...keys.flatMap((k) => keySecrets(k.what, k.pem)),
    ...secrets,
  ];
  const scan = scanDevServer(session.server.address, `dev server of lab ${session.lab.name}`, known);
  keepScan(scan);
  return scan;
}
