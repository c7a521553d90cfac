// The history reading behind the proof's claims ("no step run twice", "attempts lost with the
// worker", the slowest steps of a join), on recorded lab histories and on small made-up ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  activityRecords,
  firstActivityAfter,
  retriedSteps,
  stepsCompletedTwice,
  stepsRunTwice,
} from '../../../../bench/proof/faults/history';
import { slowestActivities } from '../../../../bench/proof/measure/fanout-tail';
import { REPO_ROOT } from '../../../helpers/temp-home';

const recorded = (name: string) => readFileSync(join(REPO_ROOT, 'test', 'histories', name), 'utf8');

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
let nextId = 0;
const at = (s: number) => new Date(Date.UTC(2026, 10, 23, 12, 0, s)).toISOString();

/** A made-up history: each activity scheduled, started (at `attempt`) and closed as given. */
function history(
  acts: { type: string; summary: string; t: [number, number, number]; attempt?: number; close?: string }[],
): string {
  const events: object[] = [];
  for (const a of acts) {
    const scheduledId = String(++nextId);
    events.push({
      eventId: scheduledId,
      eventTime: at(a.t[0]),
      eventType: 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
      userMetadata: { summary: { data: b64(a.summary) } },
      activityTaskScheduledEventAttributes: { activityId: scheduledId, activityType: { name: a.type } },
    });
    events.push({
      eventId: String(++nextId),
      eventTime: at(a.t[1]),
      eventType: 'EVENT_TYPE_ACTIVITY_TASK_STARTED',
      activityTaskStartedEventAttributes: {
        scheduledEventId: scheduledId,
        attempt: a.attempt ?? 1,
        ...(a.attempt && a.attempt > 1
          ? {
              lastFailure: {
                message: 'activity Heartbeat timeout',
                timeoutFailureInfo: { timeoutType: 'TIMEOUT_TYPE_HEARTBEAT' },
              },
            }
          : {}),
      },
    });
    const close = a.close ?? 'COMPLETED';
    events.push({
      eventId: String(++nextId),
      eventTime: at(a.t[2]),
      eventType: `EVENT_TYPE_ACTIVITY_TASK_${close}`,
      [`activityTask${close === 'TIMED_OUT' ? 'TimedOut' : close[0] + close.slice(1).toLowerCase()}EventAttributes`]:
        {
          scheduledEventId: scheduledId,
        },
    });
  }
  return JSON.stringify({ events });
}

test('a recorded install with three worker kills: every step scheduled once, the lost attempts counted', () => {
  const records = activityRecords(recorded('install-lab-with-crashes.json'));
  assert.ok(records.length > 40, `${records.length} steps`);
  assert.deepEqual(stepsRunTwice(records), []);
  assert.ok(records.every((r) => r.completed && r.ended === 'completed' && r.closedAt !== undefined));
  const lost = records.filter((r) => r.lostWithWorker);
  assert.ok(lost.length > 0, 'the killed workers left attempts behind');
  assert.ok(lost.every((r) => r.attempts > 1 && r.lastFailure === 'activity Heartbeat timeout'));
  assert.deepEqual(
    retriedSteps(records).map((r) => r.step),
    records.filter((r) => r.attempts > 1).map((r) => r.step),
  );
  const binaries = records.find((r) => r.summary.startsWith('artifacts/binaries/master-1'));
  assert.equal(binaries?.activityType, 'ensureBinaries');
  assert.equal(binaries?.step, `ensureBinaries ${binaries?.summary}`);
});

test('a step scheduled twice is reported once, completed twice only when both completed', () => {
  const json = history([
    { type: 'ensureEtcdMember', summary: 'etcd/start-member/master-1', t: [0, 1, 5] },
    { type: 'ensureEtcdMember', summary: 'etcd/start-member/master-1', t: [6, 7, 9], close: 'FAILED' },
    { type: 'ensureEtcdMember', summary: 'etcd/start-member/master-2', t: [0, 1, 4] },
    { type: 'ensureEtcdMember', summary: 'etcd/start-member/master-2', t: [6, 7, 8] },
  ]);
  const records = activityRecords(json);
  assert.deepEqual(stepsRunTwice(records), [
    'ensureEtcdMember etcd/start-member/master-1',
    'ensureEtcdMember etcd/start-member/master-2',
  ]);
  assert.deepEqual(stepsCompletedTwice(records), ['ensureEtcdMember etcd/start-member/master-2']);
  assert.equal(records[1].ended, 'failed');
  assert.equal(records[1].completed, false);
});

test('the first activity after a moment, and the slowest steps with their wait for a worker', () => {
  const json = history([
    { type: 'ensureBinaries', summary: 'artifacts/binaries/worker-1', t: [0, 1, 40], attempt: 2 },
    { type: 'ensureKubelet', summary: 'nodes/kubelet/worker-1', t: [41, 50, 55] },
    { type: 'checkNodeReady', summary: 'nodes/ready/worker-1', t: [56, 56, 58], close: 'TIMED_OUT' },
  ]);
  const t0 = Date.parse(at(42));
  assert.deepEqual(firstActivityAfter(json, t0), { ms: 8000, step: 'ensureKubelet nodes/kubelet/worker-1' });
  assert.equal(firstActivityAfter(json, Date.parse(at(57))), undefined);
  assert.deepEqual(slowestActivities(json, 2), [
    {
      activity: 'ensureBinaries',
      summary: 'artifacts/binaries/worker-1',
      seconds: 40,
      waitSeconds: 1,
      attempts: 2,
      ended: 'completed',
    },
    {
      activity: 'ensureKubelet',
      summary: 'nodes/kubelet/worker-1',
      seconds: 14,
      waitSeconds: 9,
      attempts: 1,
      ended: 'completed',
    },
  ]);
  assert.equal(activityRecords(json)[2].ended, 'timed_out');
});
