// etcd restore steps. Each member's progress is kept in a marker file on the member, named after
// the restore run, so every step is an idempotent ensure: a step retried after a worker crash
// finds what is done and does the rest, and a rollback knows exactly what to put back.
import { ApplicationFailure } from '@temporalio/common';
import {
  checkedRestoreMarker,
  etcdutlRestoreCommand,
  HOST_RESTORE_DIR,
  memberRestorePaths,
  parseCountFields,
  restoreClusterToken,
  restoredRevision,
  restoreMarkerPath,
  stagedSnapshotPath,
  type MemberRestoreMarker,
  type RestoredMemberCheck,
} from '../../cluster/backup/restore';
import { parseEndpointStatus, type SnapshotMeta } from '../../cluster/backup/snapshots';
import { unsigned } from '../../cluster/backup/snapshot-meta';
import { ErrorTypes } from '../../cluster/errors';
import { etcdctl, LOCAL_ETCD } from '../../cluster/etcdctl';
import type { Cluster } from '../../cluster/spec';
import { heartbeatOutput, resolveHost, type HostInput, type HostProvider } from '../context';
import type { Host } from '../ssh';
import { shq } from '../ssh/shell';
import { unitState } from '../host/ensure-service';
import { storeFor } from './snapshot-store';

export interface MemberRestoreInput extends HostInput {
  /** The restore run's id: names the marker file on each member. */
  runId: string;
  stamp: string;
  meta: SnapshotMeta;
}

export interface MemberRollbackResult {
  host: string;
  /** untouched: the restore never reached this member; rolled-back: its old data is back. */
  outcome: 'untouched' | 'rolled-back';
  marker?: MemberRestoreMarker;
}

function restoreFailed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ErrorTypes.RestoreFailed, message, nonRetryable: true });
}

async function readMarker(
  host: Host,
  runId: string,
  dataDir: string,
): Promise<MemberRestoreMarker | undefined> {
  const raw = await host.readFile(restoreMarkerPath(runId));
  if (!raw) return undefined;
  try {
    return checkedRestoreMarker(raw.toString('utf8'), dataDir);
  } catch (err) {
    throw restoreFailed(`${host.name}: ${restoreMarkerPath(runId)} is refused: ${(err as Error).message}`);
  }
}

async function writeMarker(host: Host, runId: string, marker: MemberRestoreMarker): Promise<void> {
  await host.ensureFile(restoreMarkerPath(runId), Buffer.from(`${JSON.stringify(marker, null, 2)}\n`), {
    mode: 0o600,
  });
}

async function exists(host: Host, path: string): Promise<boolean> {
  return (await host.stat(path)) !== undefined;
}

/** The data dir may only be touched while etcd is down: a running member would write into it. */
async function requireEtcdStopped(host: Host, name: string): Promise<void> {
  const state = await unitState(host, 'etcd');
  if (state === 'active' || state === 'activating' || state === 'deactivating')
    throw restoreFailed(`${name}: etcd is ${state}; its data dir is not touched while it runs`);
}

export function createRestoreActivities(deps: { hosts: HostProvider }) {
  return {
    /**
     * The stored snapshot's metadata, once its signature and its sha256 (read as a stream) match.
     * Unsigned metadata (older than signing) only with `allowUnsigned`.
     */
    async verifyStoredSnapshot(input: {
      cluster: Cluster;
      snapshotId: string;
      allowUnsigned?: boolean;
    }): Promise<SnapshotMeta> {
      const store = storeFor(input.cluster, deps.hosts);
      const meta = await store.find(input.snapshotId, { allowUnsigned: input.allowUnsigned });
      // What is stored: the ciphertext for an encrypted snapshot (its plaintext is checked when copied).
      const want = meta && (meta.encryption?.sha256 ?? meta.sha256);
      const sha256 = meta && (await store.storedSha256(meta.id));
      if (!meta || !sha256)
        throw ApplicationFailure.create({
          type: ErrorTypes.SnapshotNotFound,
          message: `no verified snapshot ${input.snapshotId} at ${store.where} (see hakube backup list)`,
          nonRetryable: true,
        });
      if (sha256 !== want)
        throw ApplicationFailure.create({
          type: ErrorTypes.SnapshotCorrupted,
          message: `${store.where}: ${meta.id} has sha256 ${sha256}, its metadata says ${want}`,
          nonRetryable: true,
        });
      return unsigned(meta);
    },

    /** Streams the stored snapshot to the member, decrypted on the worker and checked against its sha256. */
    async stageSnapshot(input: HostInput & { meta: SnapshotMeta }): Promise<{ bytes: number }> {
      const { host } = resolveHost(deps.hosts, input);
      await host.ensureDir(HOST_RESTORE_DIR, { mode: 0o700 });
      const store = storeFor(input.cluster, deps.hosts);
      return store.copyTo(host, input.meta, stagedSnapshotPath(input.meta.id));
    },

    /**
     * Restores the staged snapshot into a new data dir, moves the member's data dir aside (kept)
     * and the restored one into its place. Resumes from the marker after a crash.
     */
    async restoreEtcdMember(input: MemberRestoreInput): Promise<MemberRestoreMarker> {
      const { spec, host } = resolveHost(deps.hosts, input);
      const previous = await readMarker(host, input.runId, input.cluster.spec.etcd.dataDir);
      if (previous?.state === 'restored') return previous;
      if (previous?.state === 'rolled-back')
        throw restoreFailed(`${input.host}: this restore was rolled back here; start a new restore`);
      await requireEtcdStopped(host, input.host);
      const paths = memberRestorePaths(input.cluster.spec.etcd.dataDir, input.stamp);
      const marker = (state: MemberRestoreMarker['state']): MemberRestoreMarker => ({
        ...paths,
        stamp: input.stamp,
        snapshotId: input.meta.id,
        state,
      });
      if (previous?.state !== 'staged') {
        await writeMarker(host, input.runId, marker('staging'));
        await host.run(`rm -rf -- ${shq(paths.staging)}`);
        const token = restoreClusterToken(input.cluster, input.stamp);
        await host.run(
          etcdutlRestoreCommand(input.cluster, spec, stagedSnapshotPath(input.meta.id), paths.staging, token),
          { timeoutMs: 30 * 60_000, onOutput: heartbeatOutput('etcdutl snapshot restore') },
        );
        await writeMarker(host, input.runId, marker('staged'));
      }
      // Each move is atomic and happens once: the aside dir existing means the first is done.
      if (!(await exists(host, paths.aside)) && (await exists(host, paths.dataDir)))
        await host.run(`mv -- ${shq(paths.dataDir)} ${shq(paths.aside)}`);
      if (await exists(host, paths.staging)) {
        if (await exists(host, paths.dataDir))
          throw restoreFailed(
            `${input.host}: ${paths.dataDir} appeared again after it was moved aside (did something start etcd?)`,
          );
        await host.run(
          `mv -- ${shq(paths.staging)} ${shq(paths.dataDir)} && chmod 700 ${shq(paths.dataDir)}`,
        );
      }
      const done = marker('restored');
      await writeMarker(host, input.runId, done);
      return done;
    },

    /** The member's revision and its key count at the restored revision, read from it alone. */
    async checkRestoredMember(input: HostInput & { meta: SnapshotMeta }): Promise<RestoredMemberCheck> {
      const { host } = resolveHost(deps.hosts, input);
      const status = await host.run(etcdctl(LOCAL_ETCD, 'endpoint status -w json'));
      const [own] = parseEndpointStatus(status.stdout);
      const count = await host.run(
        etcdctl(
          LOCAL_ETCD,
          `get '' --from-key --count-only -w fields --consistency=s --rev=${restoredRevision(input.meta)}`,
        ),
      );
      return { member: input.host, revision: own?.revision ?? 0, keys: parseCountFields(count.stdout) };
    },

    /** Puts the data dir from before the restore back (the restored one is kept aside too). */
    async rollbackEtcdMember(input: HostInput & { runId: string }): Promise<MemberRollbackResult> {
      const { host } = resolveHost(deps.hosts, input);
      const marker = await readMarker(host, input.runId, input.cluster.spec.etcd.dataDir);
      if (!marker) return { host: input.host, outcome: 'untouched' };
      if (marker.state === 'rolled-back') return { host: input.host, outcome: 'rolled-back', marker };
      await requireEtcdStopped(host, input.host);
      const moved = await exists(host, marker.aside);
      if (moved) {
        if (await exists(host, marker.dataDir)) {
          const keep = (await exists(host, marker.failed)) ? `${marker.failed}.${Date.now()}` : marker.failed;
          await host.run(`mv -- ${shq(marker.dataDir)} ${shq(keep)}`);
        }
        await host.run(`mv -- ${shq(marker.aside)} ${shq(marker.dataDir)}`);
      }
      // The half-made restore output is ours, not the cluster's data.
      await host.run(`rm -rf -- ${shq(marker.staging)}`);
      const done: MemberRestoreMarker = { ...marker, state: 'rolled-back' };
      await writeMarker(host, input.runId, done);
      // Not moved: the restore stopped before this member's data dir was touched.
      return { host: input.host, outcome: moved ? 'rolled-back' : 'untouched', marker: done };
    },

    /** Removes the member's copy of the snapshot (the restore markers stay as a record). */
    async removeStagedSnapshot(input: HostInput & { snapshotId: string }): Promise<void> {
      const { host } = resolveHost(deps.hosts, input);
      await host.run(`rm -f -- ${shq(stagedSnapshotPath(input.snapshotId))}`);
    },
  };
}
