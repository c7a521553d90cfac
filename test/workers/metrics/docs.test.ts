// docs/metrics.md lists exactly the metrics hakube defines: a metric added or renamed without
// its line there (or a line left for one that is gone) fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRIC } from '../../../workers/metrics/names';
import { REPO_ROOT } from '../../helpers/temp-home';

test('docs/metrics.md has one table row per hakube metric, and the README links it', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'metrics.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `(hakube_[a-z_]+)`\s*\|/gm)].map((m) => m[1]);
  assert.deepEqual([...rows].sort(), Object.values(METRIC).sort());
  assert.match(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'), /\(docs\/metrics\.md\)/);
});
