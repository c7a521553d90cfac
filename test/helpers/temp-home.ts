// A temporary HOME with the SSH key the spec corpus refers to (~/.ssh/id_hakube_test),
// generated at run time so no key is ever committed.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function makeTempHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'hakube-home-'));
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  // id_ed25519 is what examples/cluster.yaml (and most users) point at.
  for (const name of ['id_hakube_test', 'id_ed25519'])
    writeFileSync(join(home, '.ssh', name), pem, { mode: 0o600 });
  return home;
}

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const SPEC_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'specs');
