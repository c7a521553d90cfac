// hakube backup now|list|status|schedule: etcd snapshots on demand and on a Temporal Schedule,
// and whether the newest is recent enough (for monitoring).
import type { Command } from 'commander';
import { ScheduleNotFoundError } from '@temporalio/client';
import {
  backupHealth,
  defaultMaxAgeMs,
  humanAge,
  type BackupFacts,
} from '../../cluster/backup/backup-health';
import type { HakubeClient } from '../hakube-client';
import type { BackupScheduleState } from '../backup-schedule';
import { durationFlag } from './duration-flag';
import { cronProblem } from '../../cluster/cron';
import type { Cluster } from '../../cluster/spec';
import { withSnapshotStore } from '../snapshot-store';
import { unsigned } from '../../cluster/backup/snapshot-meta';
import { changeBackupSchedule, describeBackupSchedule, ensureBackupSchedule } from '../backup-schedule';
import { withClient } from '../connect';
import { InputError } from '../exit-codes';
import { printJson, printLines, table } from '../output';
import { loadClusterOrThrow } from '../spec-file';
import { watchOperation } from './watch';
import {
  scheduleChange,
  scheduleLines,
  withScheduleChangeFlags,
  type ScheduleChangeFlags,
} from './schedule-flags';

function loadForBackup(file: string): Cluster {
  const { cluster } = loadClusterOrThrow(file);
  if (!cluster.spec.etcd.backup?.target) throw new InputError(`${file}: spec.etcd.backup.target is not set`);
  return cluster;
}

function withKeep(cluster: Cluster, keep: string | undefined): Cluster {
  if (keep === undefined) return cluster;
  if (!/^[1-9]\d*$/.test(keep)) throw new InputError(`--keep must be a whole number >= 1, got "${keep}"`);
  const backup = cluster.spec.etcd.backup;
  if (!backup) return cluster;
  return {
    ...cluster,
    spec: { ...cluster.spec, etcd: { ...cluster.spec.etcd, backup: { ...backup, keep: Number(keep) } } },
  };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export function registerBackupCommand(program: Command, setExit: (code: number) => void): void {
  const backup = program.command('backup').description('etcd snapshots: now, list, and the backup schedule');

  backup
    .command('now')
    .description('take a verified etcd snapshot and store it at the backup target')
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .option('--wait', 'follow it until it ends')
    .option('--json', 'print JSON')
    .action(async (opts: { file: string; wait?: boolean; json?: boolean }, cmd: Command) => {
      const cluster = loadForBackup(opts.file);
      await withClient(cmd, async (client) => {
        const started = await client.startBackup({ cluster });
        if (!opts.wait) {
          if (opts.json) printJson(started);
          else printLines([`${started.started ? 'started' : 'attached to running'} ${started.workflowId}`]);
          return;
        }
        setExit(await watchOperation(client, started.workflowId, { json: opts.json }));
      });
    });

  backup
    .command('list')
    .description('verified snapshots at the backup target, newest first')
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .option('--json', 'print JSON')
    .action(async (opts: { file: string; json?: boolean }) => {
      const cluster = loadForBackup(opts.file);
      const { snapshots, refused } = await withSnapshotStore(cluster, (store) => store.inspect());
      // Metadata that is not this machine's signed own is never counted; say so, on stderr.
      for (const r of refused) process.stderr.write(`refused: ${r.id}: ${r.why}\n`);
      if (opts.json) return printJson(snapshots.map(unsigned));
      printLines(
        table([
          ['ID', 'MEMBER', 'REVISION', 'KEYS', 'SIZE', 'TAKEN'],
          ...snapshots.map((s) => [
            s.id,
            s.member,
            String(s.revision),
            String(s.totalKeys),
            mib(s.sizeBytes),
            s.takenAt,
          ]),
        ]),
      );
    });

  backup
    .command('status')
    .description(
      'the newest verified snapshot and its age, the schedule and its last run; exit 1 when any needs attention (for monitoring)',
    )
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .option(
      '--max-age <duration>',
      'a newest snapshot older than this needs attention (default: two schedule periods, else 25h)',
    )
    .option('--json', 'print JSON')
    .action(async (opts: { file: string; maxAge?: string; json?: boolean }, cmd: Command) => {
      const cluster = loadForBackup(opts.file);
      const maxAgeFlag = opts.maxAge === undefined ? undefined : durationFlag(opts.maxAge, '--max-age');
      const { snapshots, refused } = await withSnapshotStore(cluster, (store) => store.inspect());
      const schedule = await scheduleFacts(cmd, cluster);
      const newest = snapshots[0];
      const facts: BackupFacts = {
        cluster: cluster.metadata.name,
        now: new Date(),
        refused: refused.length,
        maxAgeMs: maxAgeFlag ?? defaultMaxAgeMs(schedule.state?.nextRuns ?? []),
        ...(newest ? { newest: { id: newest.id, takenAt: newest.takenAt } } : {}),
        ...(schedule.state
          ? { schedule: { paused: schedule.state.paused, nextRun: schedule.state.nextRuns[0] } }
          : {}),
        ...(schedule.lastRun ? { lastRun: schedule.lastRun } : {}),
        ...(schedule.unknown ? { scheduleUnknown: schedule.unknown } : {}),
      };
      const health = backupHealth(facts);
      setExit(health.ok ? 0 : 1);
      if (opts.json) return printJson({ ...facts, now: facts.now.toISOString(), ...health });
      printLines([
        `backup status of ${cluster.metadata.name}: ${health.ok ? 'ok' : 'NEEDS ATTENTION'}`,
        newest
          ? `  newest    ${newest.id}, taken ${newest.takenAt} (${humanAge(health.newestAgeMs ?? 0)} ago; bound ${humanAge(facts.maxAgeMs)})`
          : '  newest    none',
        schedule.state
          ? `  schedule  ${schedule.state.cron.join(' ') || '?'}${schedule.state.paused ? ' (paused)' : ''}, next ${schedule.state.nextRuns[0] ?? 'none'}`
          : `  schedule  ${schedule.unknown ? 'unknown' : 'none'}`,
        ...(schedule.lastRun
          ? [`  last run  ${schedule.lastRun.workflowId}: ${schedule.lastRun.status.toLowerCase()}`]
          : []),
        ...health.problems.map((p) => `  problem: ${p}`),
        ...health.notes.map((n) => `  note: ${n}`),
      ]);
    });

  withScheduleChangeFlags(backup.command('schedule'), ' (snapshots stay)')
    .description(
      'create or update the backup schedule (a Temporal Schedule), or pause/resume/delete/trigger it',
    )
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .option('--cron <expr>', 'cron expression (default: spec.etcd.backup.schedule)')
    .option('--keep <n>', 'verified snapshots to keep (default: spec.etcd.backup.keep)')
    .option('--json', 'print JSON')
    .action(
      async (
        opts: ScheduleChangeFlags & { file: string; cron?: string; keep?: string; json?: boolean },
        cmd: Command,
      ) => {
        const change = scheduleChange(opts);
        const cluster = withKeep(loadForBackup(opts.file), opts.keep);
        await withClient(cmd, async (client) => {
          if (change) {
            await changeBackupSchedule(client, cluster.metadata.name, change);
            if (change === 'delete') {
              if (opts.json) printJson({ deleted: true });
              else printLines([`backup schedule of ${cluster.metadata.name} deleted (snapshots stay)`]);
              return;
            }
          } else {
            const cron = opts.cron ?? cluster.spec.etcd.backup?.schedule ?? '';
            const problem = cronProblem(cron);
            if (problem) throw new InputError(`--cron ${cron}: ${problem}`);
            await ensureBackupSchedule(client, cluster, cron);
          }
          const state = await describeBackupSchedule(client, cluster);
          if (opts.json) return printJson(state);
          printLines(scheduleLines(state, `, keep ${state.keep}`));
        });
      },
    );
}

interface ScheduleFacts {
  state?: BackupScheduleState;
  lastRun?: { workflowId: string; status: string };
  unknown?: string;
}

/** The schedule and how its newest ended run ended; what went wrong asking, when Temporal did not answer. */
async function scheduleFacts(cmd: Command, cluster: Cluster): Promise<ScheduleFacts> {
  try {
    return await withClient(cmd, async (client) => {
      let state: BackupScheduleState;
      try {
        state = await describeBackupSchedule(client, cluster);
      } catch (err) {
        if (err instanceof ScheduleNotFoundError) return {};
        throw err;
      }
      return { state, lastRun: await lastEndedRun(client, state) };
    });
  } catch (err) {
    return { unknown: err instanceof Error ? err.message : String(err) };
  }
}

async function lastEndedRun(
  client: HakubeClient,
  state: BackupScheduleState,
): Promise<{ workflowId: string; status: string } | undefined> {
  const newestFirst = [...state.recentRuns].sort((a, b) => b.scheduledAt.localeCompare(a.scheduledAt));
  for (const run of newestFirst) {
    const status = (await client.temporal.workflow.getHandle(run.workflowId).describe()).status.name;
    if (status !== 'RUNNING') return { workflowId: run.workflowId, status };
  }
  return undefined;
}
