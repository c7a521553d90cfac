// The backup target as the CLI reads it (`backup list`, `restore`): the same store the worker
// writes, reached from this machine (an SFTP target over SSH with the spec's settings).
import { ApplicationFailure } from '@temporalio/common';
import { storeFor, type SnapshotStore } from '../activities/backup/snapshot-store';
import { withSshHostProvider } from '../activities/ssh-hosts';
import type { Cluster } from '../cluster/spec';
import { InputError } from './exit-codes';

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
    return run(store);
  });
}
