// etcd restore on the installed lab (3 members with TLS), from snapshots kept over SFTP on a
// host outside etcd (worker-1): a rejected and a timed-out approval
// change nothing; an approved restore (decided by the `approve` signal, as from the Web UI)
// survives a worker kill and brings back exactly the snapshot's keys with the old data dirs
// kept; a restore that fails after the data dirs moved is put back by the rollback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { RESTORE_BUMP_REVISION } from '../../../cluster/backup/restore';
import { planPhases } from '../../../cluster/plan/phases';
import { RESTORE_PHASES } from '../../../cluster/plan/restore';
import type { SnapshotMeta } from '../../../cluster/backup/snapshots';
import { etcdctl, LOCAL_ETCD, parseMemberList } from '../../../cluster/etcdctl';
import type { Cluster } from '../../../cluster/spec';
import { ensureTemporalBinary } from '../../../client/server/temporal-binary';
import type { BackupResult } from '../../../workflows/etcd-backup';
import type { RestoreResult } from '../../../workflows/etcd-restore';
import type { RollbackResult } from '../../../workflows/etcd-restore-rollback';
import { outcomeOf } from '../../../client/history';
import { eventually } from '../../helpers/temporal';
import {
  assertRanAsPlanned,
  keysUnder,
  kubectl,
  putKeys,
  checkedHistory,
  type InstalledLab,
} from './installed-lab';

const MASTERS = ['master-1', 'master-2', 'master-3'];
const SFTP_DIR = '/var/backups/hakube-e2e';
const PREFIX = '/hakube-restore/';
const FIRST = Array.from({ length: 1000 }, (_, i) => `${PREFIX}k${String(i).padStart(4, '0')}`);
const OTHERS = Array.from({ length: 300 }, (_, i) => `${PREFIX}other-${String(i).padStart(3, '0')}`);

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => assert.fail('the workflow completed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, String(err));
  assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
  return err.cause;
}

const SECRET_MARKER = 'hakube-e2e-plaintext-4711';

export function registerEtcdRestoreTests(ctx: InstalledLab): void {
  let spec: Cluster;
  let snapshot: SnapshotMeta;
  const restoreId = () => `restore-${ctx.cluster.metadata.name}`;

  /** The data dirs on every member, etcd and the apiserver running, the keys as they were. */
  async function assertNothingChanged(keys: string[]): Promise<void> {
    for (const h of MASTERS) {
      const dirs = await ctx.on(h).run('ls -d /var/lib/etcd*');
      assert.deepEqual(dirs.stdout.trim().split('\n'), ['/var/lib/etcd'], h);
      const units = await ctx.on(h).exec('systemctl is-active etcd kube-apiserver');
      assert.equal(units.stdout.trim(), 'active\nactive', h);
    }
    assert.deepEqual(await keysUnder(ctx.on('master-2'), PREFIX), keys);
  }

  test('restore: a backup of 1000 keys to restore from, stored over SFTP on worker-1', async () => {
    const backup = {
      schedule: '0 */6 * * *',
      keep: 3,
      target: { type: 'sftp' as const, host: 'worker-1', path: SFTP_DIR },
    };
    spec = { ...ctx.cluster, spec: { ...ctx.cluster.spec, etcd: { ...ctx.cluster.spec.etcd, backup } } };
    await putKeys(ctx.on('master-1'), FIRST);
    // A Secret in the snapshot: ciphertext in etcd (and the whole stored file is ciphertext too).
    await ctx
      .on('master-1')
      .run(kubectl(`-n default create secret generic restore-check --from-literal=v=${SECRET_MARKER}`));
    const { workflowId } = await ctx.client.startBackup({ cluster: spec });
    snapshot = (await ctx.client.result<BackupResult>(workflowId)).snapshot;
    const clear = await ctx.on('worker-1').exec(`grep -c ${SECRET_MARKER} ${SFTP_DIR}/${snapshot.id}.db`);
    assert.equal(clear.stdout.trim(), '0', 'the Secret is in the snapshot in the clear');
    assert.ok(snapshot.liveKeys !== undefined && snapshot.liveKeys > 1000, `liveKeys ${snapshot.liveKeys}`);
    const file = `${SFTP_DIR}/${snapshot.id}.db`;
    const storedMeta = JSON.parse(
      (await ctx.on('worker-1').run(`cat ${SFTP_DIR}/${snapshot.id}.json`)).stdout,
    ) as SnapshotMeta;
    assert.equal(storedMeta.sha256, snapshot.sha256);
    const stored = await ctx.on('worker-1').run(`sha256sum ${file}; ls ${SFTP_DIR}`);
    assert.equal(stored.stdout.split(' ')[0], storedMeta.encryption?.sha256);
    // Encrypted on the worker before it reached the target: age's header, no etcd key in the clear.
    assert.equal((await ctx.on('worker-1').run(`head -c 21 ${file}`)).stdout, 'age-encryption.org/v1');
    assert.equal((await ctx.on('worker-1').exec(`grep -c /registry/ ${file}`)).stdout.trim(), '0');
    assert.deepEqual(stored.stdout.trim().split('\n').slice(1), [`${snapshot.id}.db`, `${snapshot.id}.json`]);
  });

  test('restore: rejected (by the decide update) → nothing changed, who and why recorded', async () => {
    const started = await ctx.client.startRestore({ cluster: spec, snapshotId: snapshot.id });
    assert.equal(started.workflowId, restoreId());
    const waiting = await eventually(
      async () => (await ctx.client.progress(started.workflowId)).waiting,
      60_000,
      'the approval request',
    );
    assert.match(waiting.plan[0], new RegExp(`^snapshot ${snapshot.id}: revision ${snapshot.revision}`));
    assert.ok(
      waiting.plan.some((l) => /move \/var\/lib\/etcd aside to \/var\/lib\/etcd\.before-restore-/.test(l)),
    );
    const decided = await ctx.client.decide(started.workflowId, {
      approve: false,
      by: 'e2e-reviewer',
      reason: 'wrong snapshot',
    });
    assert.equal(decided.outcome, 'rejected');
    const failure = await failureOf(ctx.client.result(started.workflowId));
    assert.equal(failure.type, 'ApprovalRejected');
    const p = await ctx.client.progress(started.workflowId);
    assert.equal(p.status, 'rejected');
    assert.deepEqual(
      p.decisions.map((d) => [d.approved, d.by, d.reason]),
      [[false, 'e2e-reviewer', 'wrong snapshot']],
    );
    assert.deepEqual(p.decisions[0].plan, waiting.plan);
    await assertNothingChanged(FIRST);
  });

  test('restore: nobody approves in time → nothing changed', async () => {
    const started = await ctx.client.startRestore({
      cluster: spec,
      snapshotId: snapshot.id,
      approvalTimeoutMs: 3000,
    });
    const failure = await failureOf(ctx.client.result(started.workflowId));
    assert.equal(failure.type, 'ApprovalTimedOut');
    assert.equal((await ctx.client.progress(started.workflowId)).status, 'timed-out');
    await assertNothingChanged(FIRST);
  });

  test('restore approved by signal, worker killed mid-restore: exactly the first 1000 keys, members healthy, old data dirs kept', async () => {
    const m1 = ctx.on('master-1');
    await m1.run(etcdctl(LOCAL_ETCD, `del ${PREFIX} --prefix`));
    await putKeys(m1, OTHERS);
    assert.deepEqual(await keysUnder(m1, PREFIX), OTHERS);

    const started = await ctx.client.startRestore({ cluster: spec, snapshotId: snapshot.id });
    await eventually(async () => (await ctx.client.progress(started.workflowId)).waiting, 60_000, 'approval');
    // The route a person takes from the Web UI's "send signal" or the temporal CLI.
    execFileSync(ensureTemporalBinary(), [
      'workflow',
      'signal',
      '--address',
      ctx.serverAddress,
      '-w',
      started.workflowId,
      '--name',
      'approve',
      '--input',
      JSON.stringify({ by: 'ops-oncall', reason: 'incident 4711' }),
    ]);
    await eventually(
      async () => {
        const p = await ctx.client.progress(started.workflowId);
        return p.phases.find((x) => x.name === 'restore')?.status === 'running';
      },
      120_000,
      'the restore phase',
    );
    await ctx.restartWorker('restore in phase restore');
    const result = await ctx.client.result<RestoreResult>(started.workflowId);
    await assertRanAsPlanned(ctx.client, started.workflowId, planPhases(RESTORE_PHASES, {}));

    assert.deepEqual(await keysUnder(ctx.on('master-3'), PREFIX), FIRST);
    assert.equal(result.decision?.by, 'ops-oncall');
    assert.equal(result.decision?.reason, 'incident 4711');
    assert.deepEqual(
      result.checks.map((c) => [c.member, c.keys]).sort(),
      MASTERS.map((m) => [m, snapshot.liveKeys]),
    );
    assert.ok(result.checks.every((c) => c.revision >= snapshot.revision + RESTORE_BUMP_REVISION));
    // All three members healthy, with the cluster token of the restore.
    const members = parseMemberList(
      (await ctx.on('master-2').run(etcdctl(LOCAL_ETCD, 'member list -w json'))).stdout,
    );
    assert.deepEqual(members.map((m) => m.name).sort(), MASTERS);
    const health = await ctx.on('master-1').run(etcdctl(LOCAL_ETCD, 'endpoint health --cluster'));
    assert.equal(((health.stdout + health.stderr).match(/is healthy/g) ?? []).length, 3);
    assert.deepEqual(
      result.members.map((m) => [m.state, m.aside]),
      MASTERS.map(() => ['restored', `/var/lib/etcd.before-restore-${result.stamp}`]),
    );
    for (const h of MASTERS) {
      const aside = await ctx.on(h).exec(`test -d ${result.members[0].aside}/member/wal && echo kept`);
      assert.equal(aside.stdout.trim(), 'kept', `${h}: the old data dir`);
      const staged = await ctx.on(h).exec('ls /var/lib/hakube/restore/*.db 2>/dev/null | wc -l');
      assert.equal(staged.stdout.trim(), '0', `${h}: the copy of the snapshot is removed`);
    }
    assert.equal((await ctx.on('master-2').run(kubectl('get --raw /readyz'))).stdout.trim(), 'ok');
    // Encrypted in the snapshot, readable after the restore: the members kept their keys.
    const secret = await ctx
      .on('master-2')
      .run(kubectl("-n default get secret restore-check -o jsonpath='{.data.v}'"));
    assert.equal(Buffer.from(secret.stdout.trim(), 'base64').toString(), SECRET_MARKER);

    checkedHistory(ctx, started.workflowId, 'etcd-restore-lab.json');
  });

  test('a restore that fails after the data dirs moved says how to roll back; the rollback puts the old data back', async () => {
    const m1 = ctx.on('master-1');
    await putKeys(m1, [`${PREFIX}after-restore`]);
    // master-3 cannot start etcd: the health gate gives up after 20 s with the data dirs moved.
    await ctx.on('master-3').run('mv /usr/local/bin/etcd /usr/local/bin/etcd.held');
    let failure: ApplicationFailure;
    try {
      const started = await ctx.client.startRestore({
        cluster: spec,
        snapshotId: snapshot.id,
        approvedBy: 'e2e',
        healthTimeoutMs: 20_000,
      });
      failure = await failureOf(ctx.client.result(started.workflowId));
    } finally {
      await ctx.on('master-3').run('mv /usr/local/bin/etcd.held /usr/local/bin/etcd');
    }
    assert.equal(failure.type, 'RestoreFailed');
    assert.match(failure.message, /^restore stopped in phase start-etcd: /);
    assert.match(failure.message, new RegExp(`--rollback ${restoreId()}$`));
    const p = await ctx.client.progress(restoreId());
    assert.equal(p.status, 'failed');

    const rollback = await ctx.client.startRestoreRollback({
      cluster: spec,
      restoreWorkflowId: restoreId(),
      healthTimeoutMs: 120_000,
    });
    assert.equal(rollback.workflowId, `${restoreId()}-rollback`);
    const result = await ctx.client.result<RollbackResult>(rollback.workflowId);
    assert.deepEqual(
      result.members.map((m) => [m.host, m.outcome]),
      MASTERS.map((h) => [h, 'rolled-back']),
    );
    // The data from before the failed restore, on a healthy cluster; the restored data kept aside.
    assert.deepEqual(
      await keysUnder(ctx.on('master-3'), PREFIX),
      [...FIRST, `${PREFIX}after-restore`].sort(),
    );
    const health = await m1.run(etcdctl(LOCAL_ETCD, 'endpoint health --cluster'));
    assert.equal(((health.stdout + health.stderr).match(/is healthy/g) ?? []).length, 3);
    for (const m of result.members) {
      const kept = await ctx.on(m.host).exec(`test -d ${m.marker?.failed}/member && echo kept`);
      assert.equal(kept.stdout.trim(), 'kept', m.host);
    }
    assert.equal(
      await eventually(
        async () => (await m1.exec(kubectl('get --raw /readyz'))).stdout.trim() === 'ok',
        60_000,
        'readyz',
      ),
      true,
    );
    await ctx.on('worker-1').run(`rm -rf ${SFTP_DIR}`);
  });

  test('the history of the restores: each run with its own outcome', async () => {
    const want = ['rejected', 'timed-out', 'completed', 'failed'];
    const outcomes = await eventually(
      async () => {
        const ops = await ctx.client.list({ cluster: ctx.cluster.metadata.name, operation: 'restore' });
        const seen = ops.filter((o) => o.type === 'etcdRestore').map(outcomeOf);
        return want.every((w) => seen.includes(w)) ? seen : undefined;
      },
      20_000,
      'restore outcomes in the visibility store',
    );
    assert.deepEqual([...outcomes].reverse(), want);
  });
}
