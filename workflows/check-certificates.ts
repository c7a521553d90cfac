// checkCertificates: `hakube certs check` as a workflow, so a Schedule can run it daily. Every
// host's certificates against the certificate table and the cluster's CAs; a host that cannot be
// reached is a finding, not a reason to stop. With failOnFindings (the scheduled check) any
// finding fails the run, so it shows red in the Web UI.
import { ApplicationFailure } from '@temporalio/workflow';
import { needsAttention, type CertReportRow } from '../cluster/pki/cert-report';
import { ErrorTypes } from '../cluster/errors';
import type { Cluster } from '../cluster/spec';
import { acts, runStep } from './shared/activities';
import { OperationTracker } from './shared/tracker';
import { failureText } from './shared/outcome';
import { primaryControlPlane } from '../cluster/topology';
import type { ServingCsrs } from '../activities/addons/apply-addons';

export const CERTS_CHECK_PHASES = [
  { name: 'approve', title: "Approve the kubelets' serving-certificate requests" },
  { name: 'hosts', title: "Read every host's certificates" },
  { name: 'report', title: 'Report what needs attention' },
];

export interface CertsCheckInput {
  cluster: Cluster;
  /** Fail the run when anything needs attention (the scheduled check). */
  failOnFindings?: boolean;
  /**
   * First approve pending kubelet serving-certificate requests of the spec's nodes (names only
   * their own): the scheduled check is the cluster's serving-cert approver, so kubelets' renewed
   * serving certificates do not wait for a person.
   */
  approveServingCsrs?: boolean;
}

export interface CertsCheckResult {
  rows: CertReportRow[];
  attention: number;
  /** Serving CSRs approved, and pending ones refused, by this run (with approveServingCsrs). */
  servingCsrs?: ServingCsrs;
}

async function readHost(t: OperationTracker, cluster: Cluster, host: string): Promise<CertReportRow[]> {
  try {
    return await runStep(
      t,
      'hosts',
      { key: `hosts/${host}`, title: 'certificates, SANs, issuers, expiry', host },
      acts.checkHostCertificates,
      [{ cluster, host }],
      { retry: { maximumAttempts: 3, initialInterval: '2 seconds' } },
    );
  } catch (err) {
    const detail =
      err instanceof Error
        ? (err.cause instanceof Error ? err.cause.message : '') || err.message
        : String(err);
    return [{ host, path: '-', sans: [], status: 'unreachable', detail }];
  }
}

/** Not fatal for a check: a failure is a warning, and the next run tries again. */
async function approveServingRequests(
  t: OperationTracker,
  cluster: Cluster,
): Promise<ServingCsrs | undefined> {
  const primary = primaryControlPlane(cluster).name;
  try {
    const r = await runStep(
      t,
      'approve',
      {
        key: 'approve/serving-csrs',
        title: "kubelet serving CSRs naming only the node's own names",
        host: primary,
      },
      acts.approveServingCsrs,
      [{ cluster, host: primary }],
      { retry: { maximumAttempts: 3, initialInterval: '2 seconds' } },
    );
    if (r.refused.length)
      t.progress.warnings.push(
        `serving CSRs left pending (not a node of the spec, or foreign names): ${r.refused.join(', ')}`,
      );
    return r;
  } catch (err) {
    t.progress.warnings.push(`serving CSRs not approved: ${failureText(err)}`);
    return undefined;
  }
}

export async function checkCertificates(input: CertsCheckInput): Promise<CertsCheckResult> {
  const { cluster } = input;
  const t = new OperationTracker('certs-check', cluster.metadata.name, CERTS_CHECK_PHASES);
  let servingCsrs: ServingCsrs | undefined;
  if (!input.approveServingCsrs) t.skipPhase('approve', 'not asked (the scheduled check does it)', true);
  else servingCsrs = await t.phase('approve', () => approveServingRequests(t, cluster));
  const rows = (
    await t.phase('hosts', () => Promise.all(cluster.spec.hosts.map((h) => readHost(t, cluster, h.name))))
  ).flat();
  const attention = needsAttention(rows);
  await t.phase('report', async () => {
    for (const r of attention)
      t.progress.warnings.push(`${r.host} ${r.path}: ${r.status}${r.detail ? ` (${r.detail})` : ''}`);
  });
  if (input.failOnFindings && attention.length) {
    const message = `${attention.length} certificate(s) need attention: ${t.progress.warnings.slice(0, 5).join('; ')}`;
    t.finish('failed', message);
    throw ApplicationFailure.create({
      type: ErrorTypes.CertificatesNeedAttention,
      message,
      nonRetryable: true,
    });
  }
  t.finish('completed');
  return { rows, attention: attention.length, ...(servingCsrs ? { servingCsrs } : {}) };
}
