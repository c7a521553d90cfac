// A backup that cannot be stored (a full disk: every attempt fails the same way) ends failed
// within its bound with the last attempt's error, instead of retrying forever and holding the
// schedule; one that cannot even take its snapshot ends within the snapshot's bound. Run on
// Temporal's time-skipping test server with the real workflow bundle and stand-in activities:
// hours of retries take seconds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure } from '@temporalio/common';
import type { MemberStatus, SnapshotMeta } from '../../cluster/backup/snapshots';
import { pkiCluster } from '../helpers/pki-cluster';
import {
  noTestServer,
  recordIfAsked,
  standInWorker,
  startTimeSkipping,
  type StandIns,
} from '../helpers/time-skipping';

const TASK_QUEUE = 'hakube-test-backup-bounds';
let env: TestWorkflowEnvironment;

before(async () => {
  if (!noTestServer()) env = await startTimeSkipping();
});

after(async () => {
  await env?.teardown();
});

const cluster = (() => {
  const c = pkiCluster();
  return {
    ...c,
    spec: {
      ...c.spec,
      etcd: {
        ...c.spec.etcd,
        backup: { schedule: '0 */6 * * *', keep: 3, target: { type: 'local', path: '/srv/b' } },
      },
    },
  };
})();

const status: MemberStatus = {
  endpoint: `https://${cluster.spec.hosts[1].address}:2379`,
  memberId: '2',
  leaderId: '1',
  revision: 42,
  dbSize: 1000,
  version: '3.7.3',
};

const meta: SnapshotMeta = {
  id: 'etcd-pki-20261206T100000Z-r42-0a1b2c3d',
  cluster: cluster.metadata.name,
  member: cluster.spec.hosts[1].name,
  revision: 42,
  totalKeys: 10,
  sizeBytes: 1000,
  sha256: 'a'.repeat(64),
  etcdHash: 1,
  etcdVersion: '3.7.3',
  takenAt: '2026-12-06T10:00:00.000Z',
};

const fullDisk = (what: string) =>
  ApplicationFailure.create({
    type: 'RemoteCommandFailed',
    message: `master-2: \`${what}\` exited 1: write /var/lib/hakube/snapshots: no space left on device`,
  });

/** Runs one backup against stand-in activities; the failure, how many attempts, and the skipped time. */
async function backupWith(activities: StandIns, id: string) {
  const worker = await standInWorker(env, TASK_QUEUE, activities);
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start('etcdBackup', {
      taskQueue: TASK_QUEUE,
      workflowId: id,
      args: [{ cluster }],
    });
    const err = await handle.result().then(
      () => assert.fail('the backup was expected to fail'),
      (e: unknown) => e,
    );
    await recordIfAsked(`${id}.json`, handle);
    // The run's own clock (skipped time), from its start to its end.
    const d = await handle.describe();
    return { err, skippedMs: (d.closeTime?.getTime() ?? NaN) - d.startTime.getTime() };
  });
}

function lastCause(err: unknown): ApplicationFailure {
  assert.ok(err instanceof WorkflowFailedError, String(err));
  // The run ends as BackupFailed; what failed is down its cause chain, below the activity failure.
  assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
  assert.equal(err.cause.type, 'BackupFailed');
  let e: unknown = err.cause.cause;
  while (e instanceof ActivityFailure) e = e.cause;
  assert.ok(e instanceof ApplicationFailure, String(e));
  return e;
}

test(
  'a store that fails on every attempt (disk full) ends the run within 2 h, with its error',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    let attempts = 0;
    const { err, skippedMs } = await backupWith(
      {
        etcdMemberStatus: async () => [status],
        takeEtcdSnapshot: async () => meta,
        storeEtcdSnapshot: async () => {
          attempts += 1;
          throw fullDisk('cat > /srv/b/.tmp');
        },
        pruneEtcdSnapshots: async () => ({ kept: [], deleted: [] }),
      },
      'backup-bounds-store',
    );
    const cause = lastCause(err);
    assert.equal(cause.type, 'RemoteCommandFailed');
    assert.match(cause.message, /no space left on device/);
    assert.ok(attempts > 10, `only ${attempts} attempts`);
    assert.ok(
      skippedMs >= 110 * 60_000 && skippedMs <= 125 * 60_000,
      `ended after ${skippedMs / 60_000} min`,
    );
  },
);

test(
  'a snapshot that cannot be taken ends the run within 30 min, and nothing is stored',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    let stored = 0;
    const { err, skippedMs } = await backupWith(
      {
        etcdMemberStatus: async () => [status],
        takeEtcdSnapshot: async () => {
          throw fullDisk('etcdctl snapshot save');
        },
        storeEtcdSnapshot: async () => {
          stored += 1;
          return { path: '/srv/b/x', bytes: 0 };
        },
        pruneEtcdSnapshots: async () => ({ kept: [], deleted: [] }),
      },
      'backup-bounds-snapshot',
    );
    assert.match(lastCause(err).message, /etcdctl snapshot save.*no space left/);
    assert.equal(stored, 0);
    assert.ok(skippedMs >= 25 * 60_000 && skippedMs <= 35 * 60_000, `ended after ${skippedMs / 60_000} min`);
  },
);
