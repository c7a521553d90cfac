// hakube backup now|list|schedule: etcd snapshots on demand and on a Temporal Schedule.
import type { Command } from 'commander';
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
