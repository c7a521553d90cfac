// fault/restore-kill: on an installed lab, a verified backup of 500 keys, the keys replaced, then a
// restore (approved in advance) whose worker is SIGKILLed as soon as the progress shows a data dir
// moved aside. The restore must complete (or, failing, be rolled back) and nothing may be
// deleted: every data dir from before still exists, with its db and all its WAL files, and the count of
// `<dataDir>*` folders grows by exactly what the runs moved aside.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { etcdctl, LOCAL_ETCD } from '../../../cluster/etcdctl';
import { etcdHosts } from '../../../cluster/topology';
import { killWorker } from '../../../test/helpers/worker-process';
import { keysUnder, putKeys, withBackupsIn } from '../../../test/e2e/lab/installed-lab';
import type { BackupResult } from '../../../workflows/etcd-backup';
import type { RestoreResult } from '../../../workflows/etcd-restore';
import type { LabSession } from '../../../test/helpers/lab-session';
import type { ProofScenario } from '../scenario';
import {
  allPhasesDone,
  healthAfterFault,
  inFlight,
  installResult,
  phaseStatus,
  seconds,
  waitForProgress,
  withLab,
} from './common';

const PREFIX = '/pf-restore/';
const SNAPSHOT_KEYS = Array.from({ length: 500 }, (_, i) => `${PREFIX}k${String(i).padStart(3, '0')}`);
const LATER_KEYS = Array.from({ length: 100 }, (_, i) => `${PREFIX}later-${String(i).padStart(3, '0')}`);

interface MemberDirs {
  host: string;
  dirs: string[];
  wal: string[];
}

async function memberDirs(s: LabSession, host: string, dataDir: string): Promise<MemberDirs> {
  const dirs = await s.on(host).run(`ls -d ${dataDir}*`);
  // WAL segments only: etcd itself removes its preallocated `N.tmp` segment when it stops.
  const wal = await s.on(host).run(`cd ${dataDir}/member/wal && ls *.wal`);
  return {
    host,
    dirs: dirs.stdout.trim().split('\n').filter(Boolean),
    wal: wal.stdout.trim().split('\n').filter(Boolean),
  };
}

/** "completed", or "rolled-back" when the restore failed and its rollback put the old data back. */
async function restoreOutcome(s: LabSession, cluster: LabSession['cluster'], id: string): Promise<string> {
  try {
    await s.client.result<RestoreResult>(id);
    return 'completed';
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const rb = await s.client.startRestoreRollback({ cluster, restoreWorkflowId: id });
    await s.client.result(rb.workflowId);
    return 'rolled-back';
  }
}

export const restoreKill: ProofScenario = {
  name: 'fault/restore-kill',
  kind: 'fault',
  claim:
    'a worker SIGKILLed during an etcd restore right after data dirs were moved aside: the restore completes (or is rolled back) with 3 healthy members, and no data dir is deleted (every one from before still there with its db and WAL files; exactly one more per member)',
  minutes: 9,
  run: (ctx) =>
    withLab('pf-restore', ctx.log, async (s) => {
      const dir = mkdtempSync(join(tmpdir(), 'pf-backups-'));
      try {
        const installed = await installResult(
          s,
          (await s.client.startInstall({ cluster: s.cluster })).workflowId,
        );
        if (!allPhasesDone(installed)) throw new Error('the install before the restore did not complete');
        const spec = withBackupsIn(s.cluster, dir, 3);
        const dataDir = spec.spec.etcd.dataDir;
        const masters = etcdHosts(spec).map((h) => h.name);
        const m1 = s.on(masters[0]);
        await putKeys(m1, SNAPSHOT_KEYS);
        const backup = await s.client.result<BackupResult>(
          (await s.client.startBackup({ cluster: spec })).workflowId,
        );
        await m1.run(etcdctl(LOCAL_ETCD, `del ${PREFIX} --prefix`));
        await putKeys(m1, LATER_KEYS);
        const before = await Promise.all(masters.map((h) => memberDirs(s, h, dataDir)));

        const t0 = Date.now();
        const { workflowId } = await s.client.startRestore({
          cluster: spec,
          snapshotId: backup.snapshot.id,
          approvedBy: 'proof',
        });
        const atKill = await waitForProgress(
          s,
          workflowId,
          'a data dir moved aside',
          (p) =>
            phaseStatus(p, 'restore') === 'done' ||
            (p.phases.find((x) => x.name === 'restore')?.steps ?? []).some((st) => st.status === 'done'),
          10 * 60_000,
        );
        await killWorker(s.worker());
        const cutShort = (await inFlight(s, workflowId)).filter((a) => a.started).map((a) => a.step);
        const movedAtKill = (atKill.phases.find((x) => x.name === 'restore')?.steps ?? [])
          .filter((st) => st.status === 'done')
          .map((st) => st.key);
        ctx.log(
          `worker killed in phase ${atKill.phase}: moved ${movedAtKill.join(', ')}; in flight ${cutShort.join(', ')}`,
        );
        await s.restartWorker(2000);
        const outcome = await restoreOutcome(s, spec, workflowId);
        const after = await Promise.all(masters.map((h) => memberDirs(s, h, dataDir)));

        // Nothing deleted: each member's folders from before are all still there, one more
        // (the data aside) per restore, one more again if a rollback moved the restored data aside.
        const extra = outcome === 'rolled-back' ? 2 : 1;
        const problems: string[] = [];
        for (const b of before) {
          const a = after.find((x) => x.host === b.host) as MemberDirs;
          const gone = b.dirs.filter((d) => d !== dataDir && !a.dirs.includes(d));
          if (gone.length) problems.push(`${b.host}: ${gone.join(', ')} gone`);
          if (a.dirs.length !== b.dirs.length + extra)
            problems.push(`${b.host}: ${b.dirs.length} → ${a.dirs.length} data dirs (expected +${extra})`);
          const aside = a.dirs.find((d) => d.startsWith(`${dataDir}.before-restore-`));
          const kept = aside
            ? (await s.on(b.host).run(`cd ${aside}/member && test -f snap/db && ls wal`)).stdout.split('\n')
            : [];
          const lost = b.wal.filter((w) => !kept.includes(w));
          if (!aside || lost.length)
            problems.push(`${b.host}: the old data dir's db or WAL files missing: ${lost.join(', ')}`);
        }
        const keys = await keysUnder(s.on(masters[2]), PREFIX);
        const expected = outcome === 'completed' ? SNAPSHOT_KEYS : LATER_KEYS;
        if (keys.join() !== [...expected].sort().join())
          problems.push(`${keys.length} keys under ${PREFIX}, expected ${expected.length} (${outcome})`);
        const health = await healthAfterFault(s);
        const figures = {
          restoreSeconds: seconds(Date.now() - t0),
          outcome,
          killedInPhase: atKill.phase ?? '',
          movedBeforeKill: movedAtKill.length,
          attemptsCutShort: cutShort.length,
          dataDirsBefore: before.reduce((n, b) => n + b.dirs.length, 0),
          dataDirsAfter: after.reduce((n, a) => n + a.dirs.length, 0),
          keys: keys.length,
          healthy: health.ok,
        };
        return {
          ok: problems.length === 0 && health.ok,
          summary: `killed in phase ${figures.killedInPhase} (${movedAtKill.length}/3 moved): ${outcome} in ${figures.restoreSeconds} s, ${keys.length} keys as expected, data dirs ${figures.dataDirsBefore} → ${figures.dataDirsAfter}, none deleted, healthy ${health.ok}${problems.length ? `; problems: ${problems.join('; ')}` : ''}`,
          figures,
          details: { before, after, cutShort, problems, health },
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
};
