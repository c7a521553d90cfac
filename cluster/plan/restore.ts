// The phases of `hakube restore` and of its rollback (`hakube restore --rollback`). Pure: the
// workflows run them, `--dry-run` prints them.

/** The restore: nothing runs differently until `stop`; from there a failure says how to roll back. */
export const RESTORE_PHASES = [
  { name: 'verify', title: 'Verify the snapshot' },
  { name: 'approval', title: 'Wait for approval', approval: true },
  { name: 'copy', title: 'Copy the snapshot to every member' },
  { name: 'stop', title: 'Stop the control plane and etcd' },
  { name: 'restore', title: 'Restore every member (old data dirs kept)' },
  { name: 'start-etcd', title: 'Start etcd and wait until healthy' },
  { name: 'check', title: 'Check the restored data against the snapshot' },
  { name: 'control-plane', title: 'Start the control plane' },
  { name: 'cleanup', title: 'Remove the copies of the snapshot' },
] as const;

/** The rollback of a restore: its data dirs from before put back. */
export const ROLLBACK_PHASES = [
  { name: 'stop', title: 'Stop the control plane and etcd' },
  { name: 'put-back', title: 'Put the data dirs from before the restore back' },
  { name: 'start-etcd', title: 'Start etcd and wait until healthy' },
  { name: 'control-plane', title: 'Start the control plane' },
] as const;
