// Recording a history never overwrites one: a different history under the same name is refused
// (the new recording saved aside), and every recorded one gets its line in SHA256SUMS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readChecksums, recordHistory, sha256 } from './record-history';

test('a new history is written and listed; the same one again is a no-op; another one is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-histories-'));
  const first = '{"events":[]}\n';
  recordHistory('scenario.json', first, dir);
  recordHistory('scenario.json', first, dir);
  assert.deepEqual(readChecksums(dir), [{ sha256: sha256(first), path: 'scenario.json' }]);

  let saved = '';
  assert.throws(
    () => recordHistory('scenario.json', '{"events":[{}]}\n', dir),
    (err: Error) => {
      assert.match(err.message, /test\/histories\/scenario\.json exists and is never overwritten/);
      assert.match(err.message, /git mv test\/histories\/scenario\.json test\/histories\/kept\//);
      saved = /copy (\S+) \(this recording\)/.exec(err.message)?.[1] ?? '';
      return true;
    },
  );
  assert.equal(readFileSync(join(dir, 'scenario.json'), 'utf8'), first);
  assert.ok(existsSync(saved), 'the refused recording is saved aside');
  assert.equal(readFileSync(saved, 'utf8'), '{"events":[{}]}\n');
  assert.equal(readChecksums(dir).length, 1);
});

test('only NAME.json is recorded, at the top of the directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-histories-'));
  assert.throws(() => recordHistory('kept/x.json', '{}', dir), /NAME\.json/);
  assert.throws(() => recordHistory('x.txt', '{}', dir), /NAME\.json/);
});
