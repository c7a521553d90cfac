// `hakube backup status` as data: a missing, stale or refused-only target, a schedule that is
// absent, paused or unreadable, and a last run that did not complete each need attention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  backupHealth,
  defaultMaxAgeMs,
  humanAge,
  type BackupFacts,
} from '../../../cluster/backup/backup-health';

const now = new Date('2026-12-06T12:00:00Z');
const healthy: BackupFacts = {
  cluster: 'prod',
  now,
  newest: { id: 'etcd-prod-20261206T060000Z-r9-0a1b2c3d', takenAt: '2026-12-06T06:00:00.000Z' },
  refused: 0,
  maxAgeMs: 13 * 3600_000,
  schedule: { paused: false, nextRun: '2026-12-06T18:00:00.000Z' },
  lastRun: { workflowId: 'backup-prod-2026-12-06T06:00:00Z', status: 'COMPLETED' },
};

test('a recent snapshot, a running schedule and a completed last run: ok', () => {
  assert.deepEqual(backupHealth(healthy), { ok: true, problems: [], notes: [], newestAgeMs: 6 * 3600_000 });
  const refused = backupHealth({ ...healthy, refused: 2 });
  assert.equal(refused.ok, true);
  assert.match(refused.notes[0], /2 metadata file\(s\) at the target refused/);
});

test('each reason to look: stale, none, no or paused or unreadable schedule, a failed or timed-out last run', () => {
  const problems = (f: Partial<BackupFacts>) => backupHealth({ ...healthy, ...f }).problems;
  assert.deepEqual(problems({ maxAgeMs: 5 * 3600_000 }), [
    'the newest verified snapshot etcd-prod-20261206T060000Z-r9-0a1b2c3d is 6 h old, more than 5 h',
  ]);
  assert.deepEqual(problems({ newest: undefined }), ['no verified snapshot of prod at the backup target']);
  assert.deepEqual(problems({ schedule: undefined }), [
    'prod has no backup schedule (hakube backup schedule -f FILE)',
  ]);
  assert.deepEqual(problems({ schedule: { paused: true } }), ['the backup schedule is paused']);
  assert.deepEqual(problems({ schedule: undefined, scheduleUnknown: 'connection refused' }), [
    'the backup schedule could not be read: connection refused',
  ]);
  for (const status of ['FAILED', 'TIMED_OUT', 'TERMINATED'])
    assert.deepEqual(problems({ lastRun: { workflowId: 'backup-prod-x', status } }), [
      `the last scheduled backup backup-prod-x ended ${status.toLowerCase()}`,
    ]);
  assert.deepEqual(problems({ newest: { id: 'x', takenAt: 'yesterday' } }), [
    'x: its time yesterday is not a date',
  ]);
});

test('the default bound is two schedule periods (at least an hour), else 25 h; ages read as people say them', () => {
  assert.equal(defaultMaxAgeMs(['2026-12-06T18:00:00Z', '2026-12-07T00:00:00Z']), 12 * 3600_000);
  assert.equal(defaultMaxAgeMs(['2026-12-06T18:00:00Z', '2026-12-06T18:05:00Z']), 3600_000);
  assert.equal(defaultMaxAgeMs(['2026-12-06T18:00:00Z']), 25 * 3600_000);
  assert.equal(defaultMaxAgeMs([]), 25 * 3600_000);
  assert.equal(humanAge(90 * 60_000), '90 min');
  assert.equal(humanAge(30 * 3600_000), '30 h');
  assert.equal(humanAge(80 * 3600_000), '3 days');
});
