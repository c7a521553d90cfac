// The phases of an etcd backup (`hakube backup now` and every scheduled one). Pure.

export const BACKUP_PHASES = [
  { name: 'member', title: 'Choose a healthy member' },
  { name: 'snapshot', title: 'Take and verify the snapshot' },
  { name: 'store', title: 'Store it at the backup target' },
  { name: 'retention', title: 'Keep the newest verified snapshots' },
] as const;
