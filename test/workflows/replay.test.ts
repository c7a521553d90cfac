// Recorded histories replay against the current workflow code without nondeterminism.
// Re-record with HAKUBE_RECORD_HISTORIES=1 when a workflow changes on purpose (and say so in review).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { DEFAULT_BUNDLE_PATH } from '../../workers/worker';
import { REPO_ROOT } from '../helpers/temp-home';

const dir = join(REPO_ROOT, 'test', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('there are recorded histories to replay', () => {
  assert.ok(files.length > 0);
});

for (const file of files) {
  test(`replays ${file}`, async () => {
    const history = JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown;
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: DEFAULT_BUNDLE_PATH } },
      history,
      file.replace(/\.json$/, ''),
    );
  });
}
