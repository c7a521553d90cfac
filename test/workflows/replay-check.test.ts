// The replay check can fail, and says where: a kept history whose order of activities was changed
// (as a change to the workflow without patched() would) is refused with a DeterminismViolationError,
// and the failure names the history file, its first event the code does not reproduce and the
// reset point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import {
  findDivergence,
  HISTORIES_DIR,
  readHistory,
  replayError,
  replayHistoryFile,
  type HistoryJson,
} from '../helpers/replay-history';

const KEPT = 'join-node-lab-with-crash.json';

/** A copy of `h` with the activity types of its first two differently-typed scheduled activities swapped. */
function swapFirstTwoActivities(h: HistoryJson): {
  tampered: HistoryJson;
  first: string;
  second: string;
  eventId: number;
} {
  const copy = structuredClone(h);
  type Scheduled = { activityType: { name: string } };
  const scheduled = copy.events.filter((e) => e.activityTaskScheduledEventAttributes);
  const attrsOf = (e: (typeof scheduled)[number]) => e.activityTaskScheduledEventAttributes as Scheduled;
  const a = scheduled[0];
  const b = scheduled.find((e) => attrsOf(e).activityType.name !== attrsOf(a).activityType.name);
  assert.ok(b, 'two activities of different types');
  const [first, second] = [attrsOf(a).activityType.name, attrsOf(b).activityType.name];
  attrsOf(a).activityType.name = second;
  attrsOf(b).activityType.name = first;
  return { tampered: copy, first, second, eventId: Number(a.eventId) };
}

test('a kept history replays as recorded', async () => {
  await replayHistoryFile(join(HISTORIES_DIR, KEPT));
});

test('the same history with two activities swapped is refused, naming the file and the first mismatching event', async () => {
  const { tampered, first, second, eventId } = swapFirstTwoActivities(readHistory(join(HISTORIES_DIR, KEPT)));
  const dir = mkdtempSync(join(tmpdir(), 'hakube-replay-'));
  const file = join(dir, `tampered-${KEPT}`);
  writeFileSync(file, JSON.stringify(tampered));

  assert.ok((await replayError(tampered)) instanceof DeterminismViolationError);

  const d = await findDivergence(tampered);
  assert.ok(d);
  assert.equal(d.eventId, eventId);
  assert.match(d.event, new RegExp(`^#${eventId} ActivityTaskScheduled ${second} `));
  assert.match(d.error, new RegExp(`'${second}'.*'${first}'`));
  const completedBefore = tampered.events
    .filter((e) => Number(e.eventId) < eventId && e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED')
    .at(-1);
  assert.equal(d.resetEventId, Number(completedBefore?.eventId));

  await assert.rejects(replayHistoryFile(file), (err: Error) => {
    assert.ok(err.message.startsWith(`${file}: `), err.message);
    assert.match(err.message, new RegExp(`event #${eventId} ActivityTaskScheduled ${second}`));
    assert.match(err.message, /Nondeterminism/);
    return true;
  });
});
