// checkCertificates: `hakube certs check` as a workflow, so a Schedule can run it daily. Every
// host's certificates against the certificate table and the cluster's CAs; a host that cannot be
// reached is a finding, not a reason to stop. With failOnFindings (the scheduled check) any
// finding fails the run, so it shows red in the Web UI.
import { ApplicationFailure } from '@temporalio/workflow';
import { needsAttention, type CertReportRow } from '../cluster/pki/cert-report';
import { ErrorTypes } from '../cluster/errors';
import { CERTS_CHECK_PHASES } from '../cluster/plan/certificates';
import type { Cluster } from '../cluster/spec';
import { acts, runStep } from './shared/activities';
import { Operation, withBodies, type OperationRun } from './shared/operation';
import type { OperationTracker } from './shared/tracker';
import { failureText } from './shared/outcome';
import { primaryControlPlane } from '../cluster/topology';
import type { ServingCsrs } from '../activities/addons/apply-addons';

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

interface CheckRun extends OperationRun {
  input: CertsCheckInput;
  approveServingCsrs?: boolean;
  rows: CertReportRow[];
  attention: CertReportRow[];
  servingCsrs?: ServingCsrs;
}

async function readHosts(run: CheckRun): Promise<void> {
  const { t, input } = run;
  const rows = await Promise.all(input.cluster.spec.hosts.map((h) => readHost(t, input.cluster, h.name)));
  run.rows = rows.flat();
}

async function report(run: CheckRun): Promise<void> {
  run.attention = needsAttention(run.rows);
  for (const r of run.attention)
    run.t.progress.warnings.push(`${r.host} ${r.path}: ${r.status}${r.detail ? ` (${r.detail})` : ''}`);
}

/** The scheduled check fails on any finding, so it shows red in the Web UI. */
function noFindings({ t, input, attention }: CheckRun): void {
  if (!input.failOnFindings || attention.length === 0) return;
  throw ApplicationFailure.create({
    type: ErrorTypes.CertificatesNeedAttention,
    message: `${attention.length} certificate(s) need attention: ${t.progress.warnings.slice(0, 5).join('; ')}`,
    nonRetryable: true,
  });
}

const PHASES = withBodies<(typeof CERTS_CHECK_PHASES)[number]['name'], CheckRun>(CERTS_CHECK_PHASES, {
  approve: async (run) => {
    run.servingCsrs = await approveServingRequests(run.t, run.input.cluster);
  },
  hosts: readHosts,
  report,
});

export async function checkCertificates(input: CertsCheckInput): Promise<CertsCheckResult> {
  const op = new Operation<CheckRun>('certs-check', input.cluster.metadata.name, PHASES, {
    failureType: ErrorTypes.OperationFailed,
    conclude: noFindings,
  });
  const run: CheckRun = {
    t: op.t,
    input,
    approveServingCsrs: input.approveServingCsrs,
    rows: [],
    attention: [],
  };
  await op.run(run);
  return {
    rows: run.rows,
    attention: run.attention.length,
    ...(run.servingCsrs ? { servingCsrs: run.servingCsrs } : {}),
  };
}
