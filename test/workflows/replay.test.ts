// Every kept history (test/histories/**, docs/versioning.md) replays against the current workflow
// code, except the ones listed as known-incompatible, which must still stop exactly where listed.
// A failure names the history file and the first event the code no longer reproduces. Histories
// are never re-recorded over: record a new one beside them (HAKUBE_RECORD_HISTORIES=1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  afterReset,
  describeDivergence,
  findDivergence,
  HISTORIES_DIR,
  listHistories,
  readHistory,
  replayError,
} from '../helpers/replay-history';
import { KNOWN_INCOMPATIBLE } from './known-incompatible-histories';
import { CHECKSUMS_FILE, KEPT_DIR_PATTERN, readChecksums, sha256 } from '../helpers/record-history';

const files = listHistories();
const incompatible = new Map(KNOWN_INCOMPATIBLE.map((k) => [k.file, k]));

test('there are recorded histories to replay, current ones and kept ones of earlier releases', () => {
  assert.ok(files.some((f) => !f.includes('/')));
  assert.ok(files.some((f) => f.startsWith('kept/')));
});

test('histories are current (test/histories/NAME.json) or kept (test/histories/kept/DATE-COMMIT/NAME.json)', () => {
  const misplaced = files.filter((f) => {
    const parts = f.split('/');
    return !(
      parts.length === 1 ||
      (parts.length === 3 && parts[0] === 'kept' && KEPT_DIR_PATTERN.test(parts[1]))
    );
  });
  assert.deepEqual(misplaced, [], 'histories outside the layout of docs/versioning.md');
});

test(`no history was overwritten or deleted (test/histories/${CHECKSUMS_FILE})`, () => {
  const listed = readChecksums();
  const onDisk = new Map(files.map((f) => [f, sha256(readFileSync(join(HISTORIES_DIR, f)))]));
  const known = new Set(listed.map((l) => l.sha256));
  const unlisted = [...onDisk].filter(([, sum]) => !known.has(sum)).map(([f, sum]) => `${sum}  ${f}`);
  assert.deepEqual(
    unlisted,
    [],
    `histories changed or new but not in ${CHECKSUMS_FILE}: a recorded history is never edited or ` +
      'overwritten (keep the old one under kept/ and record a new one beside it); a new one gets its line',
  );
  const present = new Set(onDisk.values());
  const missing = listed.filter((l) => !present.has(l.sha256)).map((l) => `${l.sha256}  ${l.path}`);
  assert.deepEqual(missing, [], 'kept histories are never deleted');
});

test('every history listed as known-incompatible is kept', () => {
  for (const k of KNOWN_INCOMPATIBLE)
    assert.ok(
      existsSync(join(HISTORIES_DIR, k.file)),
      `${k.file} is listed as known-incompatible but missing`,
    );
});

for (const file of files) {
  const known = incompatible.get(file);
  if (!known) {
    test(`replays ${file}`, async () => {
      const d = await findDivergence(readHistory(join(HISTORIES_DIR, file)));
      if (d) assert.fail(describeDivergence(`test/histories/${file}`, d));
    });
    continue;
  }
  test(`${file}: known-incompatible since ${known.brokenBy}, stops at #${known.firstMismatch}, resumes after a reset to #${known.resetEventId}`, async () => {
    const history = readHistory(join(HISTORIES_DIR, file));
    const upTo = (id: number) => ({ events: history.events.filter((e) => Number(e.eventId) <= id) });
    const full = await replayError(history);
    assert.ok(
      full,
      `${file} replays now: take it off KNOWN_INCOMPATIBLE (test/workflows/known-incompatible-histories.ts)`,
    );
    const before = await replayError(upTo(known.firstMismatch - 1));
    if (before) {
      const d = await findDivergence(history);
      assert.ok(d);
      assert.fail(
        `a new break before the known one (#${known.firstMismatch}): ${describeDivergence(`test/histories/${file}`, d)}`,
      );
    }
    assert.ok(
      await replayError(upTo(known.firstMismatch)),
      `${file}: event #${known.firstMismatch} replays now; the first mismatch moved (run node dist/test/helpers/replay-history.js on it)`,
    );
    const resumed = await replayError(afterReset(history, known.resetEventId));
    assert.equal(
      resumed,
      undefined,
      `${file}: the run after a reset to #${known.resetEventId} does not replay: ${String(resumed)}`,
    );
  });
}
