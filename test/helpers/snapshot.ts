// File snapshots for renderers: compared byte for byte with test/snapshots/<name>.
// Write or refresh them with HAKUBE_UPDATE_SNAPSHOTS=1; CI never writes (a missing one fails).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './temp-home';

export function expectSnapshot(name: string, actual: string): void {
  const file = join(REPO_ROOT, 'test', 'snapshots', name);
  const update =
    process.env.HAKUBE_UPDATE_SNAPSHOTS === '1' || (!existsSync(file) && process.env.CI !== 'true');
  if (update) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(
    existsSync(file),
    `snapshot ${name} is missing (run with HAKUBE_UPDATE_SNAPSHOTS=1 and review it)`,
  );
  assert.equal(actual, readFileSync(file, 'utf8'), `rendered ${name} differs from its snapshot`);
}
