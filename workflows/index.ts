// Every workflow the hakube worker registers. One file per workflow.
export { selfTest } from './self-test';
export { installCluster } from './install-cluster';
export { etcdBackup } from './etcd-backup';
export { etcdRestore } from './etcd-restore';
export { etcdRestoreRollback } from './etcd-restore-rollback';
export { checkCertificates } from './check-certificates';
export { resetCluster } from './reset-cluster';
export { joinNode } from './join-node';
export { addNodes } from './add-nodes';
export { removeNode } from './remove-node';
export { rotateCertificates } from './rotate-certificates';
export { rotateCa } from './rotate-ca';
export { rotateEncryptionKey } from './rotate-encryption-key';
export { upgradeCluster } from './upgrade-cluster';
export { doctor } from './doctor';
