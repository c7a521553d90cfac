// rotateCertificates: `hakube certs rotate`. Read every host's certificates, plan the renewals
// (inside renewBefore, or all with --force), wait for approval, then one host at a time: keep the
// current certificates aside, issue new ones from the same CAs, restart what loads them, and pass
// the gates (etcd quorum, the apiserver's /readyz, current leaders, the endpoint) and a check
// that the servers present the new serials. A failed gate puts that host's previous certificates
// back, restarts its components again and stops the rollout.
import { ErrorTypes } from '../cluster/errors';
import { ROTATE_PHASES } from '../cluster/plan/certificates';
import type { CertReportRow } from '../cluster/pki/cert-report';
import {
  rotationPlan,
  selectRenewals,
  type HostRenewal,
  type RotationOptions,
} from '../cluster/pki/rotation';
import { restoreStamp } from '../cluster/backup/restore';
import type { Decision } from '../cluster/progress';
import type { Cluster } from '../cluster/spec';
import { acts, runOnEach } from './shared/activities';
import { workflowNow } from './shared/clock';
import { Operation, withBodies, type ApprovalRequest, type OperationRun } from './shared/operation';
import type { OperationTracker } from './shared/tracker';
import { rotateHost, type HostRotation, type Rollout } from './steps/certificate-rollout';

export interface RotateInput extends RotationOptions {
  cluster: Cluster;
  approvedBy?: string;
  approvalTimeoutMs?: number;
  /** How long each host's gates may take before the host is rolled back. */
  healthTimeoutMs?: number;
}

export interface RotateResult {
  stamp: string;
  hosts: HostRotation[];
  decision?: Decision;
}

interface RotateRun extends OperationRun, Rollout {
  input: RotateInput;
  /** What to renew where (set by the check phase). */
  renewals?: HostRenewal[];
}

async function readCertificates(t: OperationTracker, cluster: Cluster): Promise<CertReportRow[]> {
  const rows = await runOnEach(
    t,
    'check',
    cluster.spec.hosts,
    { key: 'check', title: 'certificates, SANs, issuers, expiry' },
    acts.checkHostCertificates,
    (h) => ({ cluster, host: h.name }),
    { retry: { maximumAttempts: 3, initialInterval: '2 seconds' } },
  );
  return rows.flat();
}

async function check(run: RotateRun): Promise<void> {
  const rows = await readCertificates(run.t, run.cluster);
  run.renewals = selectRenewals(run.cluster, rows, run.input);
  if (run.renewals.length === 0)
    run.t.progress.warnings.push('no certificate needs renewing (use --force to renew all)');
}

function approval({ renewals = [], cluster, stamp }: RotateRun): ApprovalRequest {
  return {
    question: `Renew ${renewals.reduce((n, h) => n + h.profiles.length, 0)} certificates on ${renewals.length} hosts of ${cluster.metadata.name}?`,
    plan: rotationPlan(renewals, stamp),
  };
}

async function rollout(run: RotateRun): Promise<void> {
  const renewals = run.renewals ?? [];
  for (const [i, plan] of renewals.entries())
    await rotateHost(
      run,
      plan,
      renewals.slice(0, i).map((h) => h.host),
      renewals.slice(i + 1).map((h) => h.host),
    );
}

const PHASES = withBodies<(typeof ROTATE_PHASES)[number]['name'], RotateRun>(ROTATE_PHASES, {
  check,
  approval: { approve: approval },
  rollout,
});

export async function rotateCertificates(input: RotateInput): Promise<RotateResult> {
  const { cluster } = input;
  const op = new Operation<RotateRun>(
    'certs-rotate',
    cluster.metadata.name,
    PHASES,
    { failureType: ErrorTypes.RotationFailed },
    cluster.spec.approvals?.approvers,
  );
  const stamp = restoreStamp(workflowNow());
  const run: RotateRun = {
    t: op.t,
    phase: 'rollout',
    input,
    cluster,
    healthTimeoutMs: input.healthTimeoutMs,
    stamp,
    hosts: [],
  };
  await op.run(run, input);
  return { stamp, hosts: run.hosts, decision: op.decision };
}
