// The scheduled certificate check of a cluster (`hakube certs schedule`): checkCertificates with
// failOnFindings, so a run fails (red in the Web UI) when anything needs attention, and with
// approveServingCsrs, so it is also the approver of the kubelets' renewed serving certificates.
import type { Cluster } from '../cluster/spec';
import type { HakubeClient } from './hakube-client';
import { ensureSchedule, type ScheduledOperation } from './operation-schedule';

export const DEFAULT_CERTS_CHECK_CRON = '0 6 * * *';
export const certsScheduleId = (cluster: string) => `certs-check-${cluster}`;

function certsCheckOperation(cluster: Cluster): ScheduledOperation {
  return {
    scheduleId: certsScheduleId(cluster.metadata.name),
    workflowType: 'checkCertificates',
    workflowId: `certs-check-${cluster.metadata.name}`,
    operation: 'certs-check',
    cluster: cluster.metadata.name,
    args: [{ cluster, failOnFindings: true, approveServingCsrs: true }],
    label: `hakube certificate check of ${cluster.metadata.name} (fails when any needs attention)`,
    runTimeout: '1 hour',
  };
}

export function ensureCertsCheckSchedule(client: HakubeClient, cluster: Cluster, cron: string) {
  return ensureSchedule(client, certsCheckOperation(cluster), cron);
}
