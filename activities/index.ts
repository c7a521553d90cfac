// createActivities(deps): every activity hakube registers, wired to the dependencies the
// worker (or a test) passes in. Workflows import only the *type* of the result.
import type { HostProvider } from './context';
import type { ActivityMetrics } from './metrics';
import { createWorkerInfoActivities } from './worker-info';
import { createGatherFacts } from './host/gather-facts';
import { createHostsFileActivity, createPrepareOs } from './host/prepare-os';
import { createArtifactActivities } from './artifacts/ensure-binaries';
import { createPkiActivities } from './pki/pki-activities';
import { createEtcdActivities } from './etcd/ensure-member';
import { createEtcdMembershipActivities } from './etcd/membership';
import { createEndpointActivities } from './lb/endpoint';
import { createControlPlaneActivities } from './controlplane/control-plane';
import { createNodeActivities } from './node/node-components';
import { createNodeLifecycleActivities } from './node/node-lifecycle';
import { createAddonActivities } from './addons/apply-addons';
import { createBackupActivities } from './backup/etcd-snapshot';
import { createRestoreActivities } from './backup/etcd-restore';
import { createServiceControlActivities } from './host/service-control';
import { createResetActivities } from './host/reset-host';
import { createCertificateCheckActivities } from './pki/check-certificates';
import { createRotationActivities } from './pki/rotate';
import { createCaRotationActivities } from './pki/ca-rotation';
import { createEncryptionRotationActivities } from './pki/encryption-rotation';
import { createUpgradeHostActivities } from './upgrade/host-binaries';
import { createUpgradeNodeActivities } from './upgrade/node-rollout';
import { createDoctorActivities } from './doctor/diagnose';
import { withTypedFailures } from './typed-failures';
import { withLivenessHeartbeats } from './liveness';
import { withValidatedClusters } from './validated-inputs';

export interface ActivityDeps {
  version: string;
  hosts: HostProvider;
  /** The worker's metrics (workers/metrics/); none when absent. */
  metrics?: ActivityMetrics;
}

export function createActivities(deps: ActivityDeps) {
  return withLivenessHeartbeats(
    withTypedFailures(
      withValidatedClusters({
        ...createWorkerInfoActivities(deps),
        gatherFacts: createGatherFacts(deps),
        prepareOs: createPrepareOs(deps),
        ...createHostsFileActivity(deps),
        ...createArtifactActivities(deps),
        ...createPkiActivities(deps),
        ...createEtcdActivities(deps),
        ...createEtcdMembershipActivities(deps),
        ...createEndpointActivities(deps),
        ...createControlPlaneActivities(deps),
        ...createNodeActivities(deps),
        ...createNodeLifecycleActivities(deps),
        ...createAddonActivities(deps),
        ...createBackupActivities(deps),
        ...createRestoreActivities(deps),
        ...createServiceControlActivities(deps),
        ...createResetActivities(deps),
        ...createCertificateCheckActivities(deps),
        ...createRotationActivities(deps),
        ...createCaRotationActivities(deps),
        ...createEncryptionRotationActivities(deps),
        ...createUpgradeHostActivities(deps),
        ...createUpgradeNodeActivities(deps),
        ...createDoctorActivities(deps),
      }),
    ),
  );
}

export type Activities = ReturnType<typeof createActivities>;
