// createActivities(deps): every activity hakube registers, wired to the dependencies the
// worker (or a test) passes in. Workflows import only the *type* of the result.
import type { HostProvider } from './context';
import { createWorkerInfoActivities } from './worker-info';
import { createGatherFacts } from './host/gather-facts';
import { createPrepareOs } from './host/prepare-os';
import { createArtifactActivities } from './artifacts/ensure-binaries';
import { createPkiActivities } from './pki/pki-activities';
import { createEtcdActivities } from './etcd/ensure-member';
import { createEndpointActivities } from './lb/endpoint';
import { createControlPlaneActivities } from './controlplane/control-plane';
import { createNodeActivities } from './node/node-components';
import { createAddonActivities } from './addons/apply-addons';
import { createBackupActivities } from './backup/etcd-snapshot';
import { createRestoreActivities } from './backup/etcd-restore';
import { createServiceControlActivities } from './host/service-control';
import { createCertificateCheckActivities } from './pki/check-certificates';
import { withTypedFailures } from './typed-failures';
import { withLivenessHeartbeats } from './liveness';

export interface ActivityDeps {
  version: string;
  hosts: HostProvider;
}

export function createActivities(deps: ActivityDeps) {
  return withLivenessHeartbeats(
    withTypedFailures({
      ...createWorkerInfoActivities(deps),
      gatherFacts: createGatherFacts(deps),
      prepareOs: createPrepareOs(deps),
      ...createArtifactActivities(deps),
      ...createPkiActivities(deps),
      ...createEtcdActivities(deps),
      ...createEndpointActivities(deps),
      ...createControlPlaneActivities(deps),
      ...createNodeActivities(deps),
      ...createAddonActivities(deps),
      ...createBackupActivities(deps),
      ...createRestoreActivities(deps),
      ...createServiceControlActivities(deps),
      ...createCertificateCheckActivities(deps),
    }),
  );
}

export type Activities = ReturnType<typeof createActivities>;
