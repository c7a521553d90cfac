// hakube restore -f cluster.yaml --snapshot ID [--yes] [--wait]: restore etcd from a stored
// snapshot behind an approval; hakube restore -f cluster.yaml --rollback ID: undo a restore.
import type { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { durationFlag } from './duration-flag';
import { DRY_RUN_STAMP, printDryRun } from './dry-run';
import { planPhases } from '../../cluster/plan/phases';
import { RESTORE_PHASES, ROLLBACK_PHASES } from '../../cluster/plan/restore';
import { restorePlan } from '../../cluster/backup/restore';
import type { Cluster } from '../../cluster/spec';
import { withSnapshotStore } from '../snapshot-store';
import { withClient } from '../connect';
import type { HakubeClient } from '../hakube-client';
import { InputError } from '../exit-codes';
import { printJson, printLines } from '../output';
import { loadClusterOrThrow } from '../spec-file';
import { approvedInAdvanceBy } from './operations';
import { watchOperation } from './watch';
import { followApproval, withApprovalFlags } from './approval-plan';
import { namespaceRetentionMs } from '../namespace/grpc';
import { retentionNote } from '../namespace/retention';

interface RestoreFlags {
  file: string;
  snapshot?: string;
  rollback?: string;
  dryRun?: boolean;
  yes?: boolean;
  allowUnsigned?: boolean;
  wait?: boolean;
  json?: boolean;
  approvalTimeout: string;
  healthTimeout: string;
}

/** The snapshot must be at the target: say which ones are, rather than start a run that fails. */
async function requireStoredSnapshot(cluster: Cluster, id: string, allowUnsigned: boolean) {
  return withSnapshotStore(cluster, async (store) => {
    const meta = await store.find(id, { allowUnsigned });
    if (meta) return meta;
    const newest = (await store.list()).slice(0, 3).map((m) => m.id);
    throw new InputError(
      `no verified snapshot ${id} at ${store.where}; newest: ${newest.join(', ') || 'none'}`,
    );
  });
}

/**
 * A restore the server no longer has may simply have closed before the namespace's retention:
 * say so, and that its moved-aside data dirs outlive the record (docs/backup.md).
 */
async function restoreNotFound(client: HakubeClient, id: string): Promise<InputError> {
  const retentionMs = await namespaceRetentionMs(
    client.temporal.connection,
    client.temporal.options.namespace,
  );
  return new InputError(
    `cannot find the failed restore ${id}: ${retentionNote(retentionMs)}. ` +
      'Data dirs a restore moved aside stay on the members (<dataDir>.before-restore-<stamp>, never deleted): ' +
      'put them back by hand (docs/backup.md)',
  );
}

async function follow(client: HakubeClient, id: string, flags: RestoreFlags, setExit: (c: number) => void) {
  if (flags.wait) setExit(await watchOperation(client, id, { json: flags.json }));
}

export function registerRestoreCommand(program: Command, setExit: (code: number) => void): void {
  withApprovalFlags(program.command('restore'))
    .description('restore etcd from a stored snapshot, after approval (or roll a restore back)')
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .option('--snapshot <id>', 'snapshot id (see `hakube backup list`)')
    .option('--rollback <workflow-id>', 'put back the data dirs a restore moved aside (e.g. restore-prod)')
    .option(
      '--allow-unsigned',
      'restore a snapshot whose metadata is unsigned (taken before hakube signed it): only one you trust',
    )
    .option(
      '--health-timeout <duration>',
      'how long etcd and the apiservers may take to become healthy',
      '5m',
    )
    .action(async (flags: RestoreFlags, cmd: Command) => {
      if (!flags.snapshot === !flags.rollback)
        throw new InputError('give exactly one of --snapshot, --rollback');
      const { cluster } = loadClusterOrThrow(flags.file);
      const healthTimeoutMs = durationFlag(flags.healthTimeout, '--health-timeout');
      const approvalTimeoutMs = durationFlag(flags.approvalTimeout, '--approval-timeout');
      // Checked before connecting: a wrong id is the user's to fix, and says what there is.
      const meta = flags.snapshot
        ? await requireStoredSnapshot(cluster, flags.snapshot, flags.allowUnsigned === true)
        : undefined;
      if (flags.dryRun)
        return printDryRun(
          meta
            ? {
                what: `restore of ${cluster.metadata.name} from ${meta.id}`,
                plan: planPhases(RESTORE_PHASES, {}),
                approval: restorePlan(cluster, meta, DRY_RUN_STAMP),
              }
            : {
                what: `rollback of the restore ${flags.rollback ?? ''}`,
                plan: planPhases(ROLLBACK_PHASES, {}),
              },
          flags.json,
        );
      // Refused before connecting: --yes from someone who may not approve.
      const approvedBy = approvedInAdvanceBy(cluster, flags.yes);
      await withClient(cmd, async (client) => {
        const restoreId = flags.rollback;
        if (restoreId) {
          const started = await client
            .startRestoreRollback({ cluster, restoreWorkflowId: restoreId, healthTimeoutMs })
            .catch(async (err: Error) => {
              if (err instanceof WorkflowNotFoundError) throw await restoreNotFound(client, restoreId);
              throw new InputError(err.message);
            });
          if (flags.json && !flags.wait) printJson(started);
          else if (!flags.json)
            printLines([`${started.started ? 'started' : 'attached to running'} ${started.workflowId}`]);
          return follow(client, started.workflowId, flags, setExit);
        }
        if (!meta) return;
        const started = await client.startRestore({
          cluster,
          snapshotId: meta.id,
          ...(flags.allowUnsigned ? { allowUnsigned: true } : {}),
          approvedBy,
          approvalTimeoutMs,
          healthTimeoutMs,
        });
        await followApproval(client, started, flags, `restore of ${meta.id}`, setExit);
      });
    });
}
