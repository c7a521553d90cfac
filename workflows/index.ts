// Every workflow the hakube worker registers. One file per workflow.
export { selfTest } from './self-test';
export { installCluster } from './install-cluster';
export { etcdBackup } from './etcd-backup';
export { etcdRestore } from './etcd-restore';
export { etcdRestoreRollback } from './etcd-restore-rollback';
export { checkCertificates } from './check-certificates';
