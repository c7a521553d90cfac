// etcd backups on the installed lab: a verified snapshot from a follower with retention, the
// backup Schedule, and a worker killed in the middle of a backup run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdctl, LOCAL_ETCD } from '../../../cluster/etcdctl';
import { hostByName } from '../../../cluster/topology';
import { parseEndpointStatus } from '../../../cluster/backup/snapshots';
import { localStore } from '../../../activities/backup/snapshot-store';
import {
  changeBackupSchedule,
  describeBackupSchedule,
  ensureBackupSchedule,
} from '../../../client/backup-schedule';
import type { BackupResult } from '../../../workflows/etcd-backup';
import { eventually } from '../../helpers/temporal';
import { putKeys, sha256Of, withBackupsIn, type InstalledLab } from './installed-lab';

function inFreshFolder(run: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hakube-backups-'));
    try {
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Every snapshot the target counts has its file, whole (the ciphertext's sha256 as recorded); nothing partial is counted. */
async function assertOnlyVerifiedSnapshots(dir: string, cluster: string): Promise<void> {
  for (const m of await localStore(dir, cluster).list())
    assert.equal(sha256Of(join(dir, `${m.id}.db`)), m.encryption?.sha256);
  const files = readdirSync(dir);
  const partial = files.filter((f) => f.endsWith('.partial'));
  for (const p of partial)
    assert.ok(!files.includes(p.replace(/\.db\.partial$/, '.json')), `${p} is counted as a snapshot`);
}

export function registerEtcdBackupTests(ctx: InstalledLab): void {
  test(
    'etcd backup: a verified snapshot of 1000 keys from a follower, stored with its metadata; retention keeps N',
    inFreshFolder(async (dir) => {
      const m1 = ctx.on('master-1');
      await putKeys(
        m1,
        Array.from({ length: 1000 }, (_, i) => `/hakube-test/k${String(i).padStart(4, '0')}`),
      );
      const keys = await m1.run(etcdctl(LOCAL_ETCD, 'get /hakube-test/ --prefix --count-only -w fields'));
      assert.match(keys.stdout, /"Count" : 1000\b/);

      const spec = withBackupsIn(ctx.cluster, dir, 2);
      const results: BackupResult[] = [];
      for (let i = 0; i < 3; i++) {
        const { workflowId } = await ctx.client.startBackup({ cluster: spec });
        results.push(await ctx.client.result<BackupResult>(workflowId));
      }
      const first = results[0].snapshot;
      assert.ok(first.totalKeys >= 1000, `only ${first.totalKeys} keys`);
      // The key space at the snapshot's revision: the test's keys and the cluster's own.
      assert.ok((first.liveKeys ?? 0) > 1000, `liveKeys ${first.liveKeys}`);
      assert.match(
        first.id,
        new RegExp(`^etcd-${ctx.cluster.metadata.name}-\\d{8}T\\d{6}Z-r\\d+-[0-9a-f]{8}$`),
      );
      assert.match(first.etcdVersion, /^3\.7\./);
      // A follower was chosen: the leader is busy enough.
      const statuses = parseEndpointStatus(
        (await m1.run(etcdctl(LOCAL_ETCD, 'endpoint status --cluster -w json'))).stdout,
      );
      const leader = statuses.find((st) => st.memberId === st.leaderId);
      assert.ok(leader, JSON.stringify(statuses));
      assert.ok(
        !leader.endpoint.includes(`//${hostByName(ctx.cluster, first.member).address}:`),
        `${first.member} is the leader`,
      );
      // Exactly the 2 newest remain, each with its metadata; nothing partial.
      const stored = await localStore(dir, ctx.cluster.metadata.name).list();
      assert.deepEqual(
        stored.map((m) => m.id).sort(),
        results
          .slice(1)
          .map((r) => r.snapshot.id)
          .sort(),
      );
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.endsWith('.partial')),
        [],
      );
      assert.equal(readdirSync(dir).filter((f) => f.endsWith('.db')).length, 2);
      await assertOnlyVerifiedSnapshots(dir, ctx.cluster.metadata.name);
      // The member's own copy is gone once stored.
      const left = await ctx.on(first.member).exec('ls /var/lib/hakube/snapshots');
      assert.equal(left.stdout.trim(), '');
    }),
  );

  test(
    'a worker killed as a backup takes its snapshot, and again as it stores it: each run completes, only verified snapshots count',
    inFreshFolder(async (dir) => {
      const spec = withBackupsIn(ctx.cluster, dir, 5);
      // The store of a lab-sized snapshot takes milliseconds: the kill lands as the snapshot
      // phase ends, with the store starting or in flight.
      const crashPoints: [string, 'running' | 'done'][] = [
        ['snapshot', 'running'],
        ['snapshot', 'done'],
      ];
      for (const [phase, status] of crashPoints) {
        const { workflowId } = await ctx.client.startBackup({ cluster: spec });
        // A snapshot of the lab's small key space can be taken between two polls: a phase seen
        // done already is as good a crash point as running (the kill then lands in the store).
        const wanted = status === 'running' ? ['running', 'done'] : ['done'];
        const seen = await eventually(
          async () => {
            const p = (await ctx.client.progress(workflowId)).phases.find((x) => x.name === phase)?.status;
            return p && wanted.includes(p) ? p : undefined;
          },
          60_000,
          `backup phase ${phase} ${wanted.join(' or ')}`,
          50,
        );
        await ctx.restartWorker(`backup with phase ${phase} ${seen}`);
        const result = await ctx.client.result<BackupResult>(workflowId);
        assert.ok(
          (await localStore(dir, ctx.cluster.metadata.name).list()).some((m) => m.id === result.snapshot.id),
        );
        await assertOnlyVerifiedSnapshots(dir, ctx.cluster.metadata.name);
      }
      assert.equal((await localStore(dir, ctx.cluster.metadata.name).list()).length, 2);
    }),
  );

  test(
    'the backup schedule: created, updated in place, triggered runs store snapshots and keep exactly N, paused and deleted',
    inFreshFolder(async (dir) => {
      const name = ctx.cluster.metadata.name;
      const spec = withBackupsIn(ctx.cluster, dir, 1);
      assert.deepEqual(await ensureBackupSchedule(ctx.client, spec, '0 3 * * *'), {
        id: `etcd-backup-${name}`,
        created: true,
      });
      assert.deepEqual(await ensureBackupSchedule(ctx.client, spec, '30 */6 * * *'), {
        id: `etcd-backup-${name}`,
        created: false,
      });
      let state = await describeBackupSchedule(ctx.client, spec);
      assert.deepEqual([state.cron, state.paused, state.keep], [['30 */6 * * *'], false, 1]);
      await changeBackupSchedule(ctx.client, name, 'trigger');
      const firstRun = await eventually(
        async () => (await describeBackupSchedule(ctx.client, spec)).recentRuns[0],
        30_000,
        'a run',
      );
      const first = await ctx.client.result<BackupResult>(firstRun.workflowId);
      await eventually(
        async () => (await localStore(dir, ctx.cluster.metadata.name).list()).length === 1,
        10_000,
        'a stored snapshot',
      );
      // A second run, kept 1: exactly its snapshot remains. (A run's id carries its start
      // second: trigger it in the next one.)
      await new Promise((r) => setTimeout(r, 1100));
      await changeBackupSchedule(ctx.client, name, 'trigger');
      const secondRun = await eventually(
        async () =>
          (await describeBackupSchedule(ctx.client, spec)).recentRuns.find(
            (r) => r.workflowId !== firstRun.workflowId,
          ),
        30_000,
        'a second run',
      );
      const second = await ctx.client.result<BackupResult>(secondRun.workflowId);
      assert.deepEqual(second.deleted, [first.snapshot.id]);
      assert.deepEqual(
        (await localStore(dir, ctx.cluster.metadata.name).list()).map((m) => m.id),
        [second.snapshot.id],
      );
      await changeBackupSchedule(ctx.client, name, 'pause');
      state = await describeBackupSchedule(ctx.client, spec);
      assert.equal(state.paused, true);
      await changeBackupSchedule(ctx.client, name, 'delete');
      await assert.rejects(describeBackupSchedule(ctx.client, spec));
    }),
  );
}
