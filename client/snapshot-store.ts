// The backup target as the CLI reads it (`backup list`, `restore`): the same store the worker
// writes, reached from this machine (an SFTP target over SSH with the spec's settings).
import { ApplicationFailure } from '@temporalio/common';
import { storeFor, type SnapshotStore } from '../activities/backup/snapshot-store';
import { withSshHostProvider } from '../activities/ssh-hosts';
import type { Cluster } from '../cluster/spec';
import { InputError } from './exit-codes';
import { ErrorTypes } from '../cluster/errors';

const REFUSALS = new Set<string>([
  ErrorTypes.SnapshotNotFound,
  ErrorTypes.SnapshotTampered,
  ErrorTypes.SnapshotUnsigned,
  ErrorTypes.ConfigInvalid,
]);

export function withSnapshotStore<T>(
  cluster: Cluster,
  run: (store: SnapshotStore) => Promise<T>,
): Promise<T> {
  return withSshHostProvider((hosts) => {
    let store: SnapshotStore;
    try {
      store = storeFor(cluster, hosts);
    } catch (err) {
      if (err instanceof ApplicationFailure) throw new InputError(err.message);
      throw err;
    }
    // A refused snapshot (not an id, tampered, unsigned) is the user's to look at: exit 2.
    return run(store).catch((err: unknown) => {
      if (err instanceof ApplicationFailure && err.type && REFUSALS.has(err.type))
        throw new InputError(err.message);
      throw err;
    });
  });
}
