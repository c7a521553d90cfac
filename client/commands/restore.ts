// hakube restore -f cluster.yaml --snapshot ID [--yes] [--wait]: restore etcd from a stored
// snapshot behind an approval; hakube restore -f cluster.yaml --rollback ID: undo a restore.
import type { Command } from 'commander';
import { durationFlag } from './duration-flag';
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

interface RestoreFlags {
  file: string;
  snapshot?: string;
  rollback?: string;
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
      // Refused before connecting: --yes from someone who may not approve.
      const approvedBy = approvedInAdvanceBy(cluster, flags.yes);
      await withClient(cmd, async (client) => {
        if (flags.rollback) {
          const started = await client
            .startRestoreRollback({ cluster, restoreWorkflowId: flags.rollback, healthTimeoutMs })
            .catch((err: Error) => {
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
