// rotateCertificates: `hakube certs rotate`. Read every host's certificates, plan the renewals
// (inside renewBefore, or all with --force), wait for approval, then one host at a time: keep the
// current certificates aside, issue new ones from the same CAs, restart what loads them, and pass
// the gates (etcd quorum, the apiserver's /readyz, current leaders, the endpoint) and a check
// that the servers present the new serials. A failed gate puts that host's previous certificates
// back, restarts its components again and stops the rollout.
import { ApplicationFailure } from '@temporalio/workflow';
import { ErrorTypes } from '../cluster/errors';
import type { CertReportRow } from '../cluster/pki/cert-report';
import {
  rotationPlan,
  sameSerial,
  selectRenewals,
  type HostRenewal,
  type RotationOptions,
} from '../cluster/pki/rotation';
import { restoreStamp } from '../cluster/backup/restore';
import type { Decision } from '../cluster/progress';
import type { Cluster } from '../cluster/spec';
import { apiserverPort, etcdHosts, primaryControlPlane } from '../cluster/topology';
import type { RenewedCert, ServedCert } from '../activities/pki/rotate';
import { acts, gateOptions, runOnEach, runStep } from './shared/activities';
import { ApprovalGate } from './shared/approval';
import { workflowNow } from './shared/clock';
import { failureText, notApproved, outcomeOf } from './shared/outcome';
import { OperationTracker } from './shared/tracker';

export const ROTATE_PHASES = [
  { name: 'check', title: "Read every host's certificates" },
  { name: 'approval', title: 'Wait for approval' },
  { name: 'rollout', title: 'Renew and restart, one host at a time behind health gates' },
];

export interface RotateInput extends RotationOptions {
  cluster: Cluster;
  approvedBy?: string;
  approvalTimeoutMs?: number;
  /** How long each host's gates may take before the host is rolled back. */
  healthTimeoutMs?: number;
}

export interface HostRotation {
  host: string;
  renewed: RenewedCert[];
  restarted: string[];
  served: ServedCert[];
}

export interface RotateResult {
  stamp: string;
  hosts: HostRotation[];
  decision?: Decision;
}

const DEFAULT_APPROVAL_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_HEALTH_TIMEOUT_MS = 3 * 60_000;

/** A rollout of renewals: the tracker and the phase its host steps belong to. */
export interface Rollout {
  t: OperationTracker;
  phase: string;
  input: RotateInput;
  stamp: string;
  result: RotateResult;
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

const hostStep = (phase: string, host: string, what: string, title: string) => ({
  key: `${phase}/${what}/${host}`,
  title,
  host,
});

/** Which port presents which renewed certificate. */
function servedBy(cluster: Cluster, host: string): { port: number; profile: string }[] {
  return [
    { port: 2379, profile: `certs/etcd-server/${host}` },
    { port: 2380, profile: `certs/etcd-peer/${host}` },
    { port: apiserverPort(cluster), profile: `certs/apiserver/${host}` },
  ];
}

/** Restarted components healthy again; then the servers present the renewed serials. */
export async function gateAndVerify(
  r: Rollout,
  plan: HostRenewal,
  renewed: RenewedCert[],
): Promise<ServedCert[]> {
  const { cluster } = r.input;
  const gate = gateOptions(r.input.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS);
  const on = { cluster, host: plan.host };
  const step = (what: string, title: string) => hostStep(r.phase, plan.host, what, title);
  if (plan.restart.includes('etcd'))
    await runStep(
      r.t,
      r.phase,
      step('etcd-quorum', 'every etcd member healthy'),
      acts.checkEtcdHealth,
      [{ ...on, expectMembers: etcdHosts(cluster).length }],
      gate,
    );
  if (plan.restart.includes('kube-apiserver'))
    await runStep(
      r.t,
      r.phase,
      step('readyz', 'its apiserver answers /readyz'),
      acts.checkApiserverReady,
      [{ ...on, local: true }],
      gate,
    );
  if (plan.restart.some((u) => u === 'kube-controller-manager' || u === 'kube-scheduler'))
    await runStep(
      r.t,
      r.phase,
      step('leaders', 'controller-manager and scheduler leaders'),
      acts.leaderStatus,
      [{ ...on, require: true }],
      gate,
    );
  const primary = primaryControlPlane(cluster).name;
  await runStep(
    r.t,
    r.phase,
    step('endpoint', '/readyz through the endpoint'),
    acts.checkApiserverReady,
    [{ cluster, host: primary }],
    gate,
  );
  const expected = servedBy(cluster, plan.host)
    .map((s) => ({ ...s, serial: renewed.find((c) => c.profile === s.profile)?.serial }))
    .filter((s): s is { port: number; profile: string; serial: string } => s.serial !== undefined);
  if (expected.length === 0) return [];
  const served = await runStep(
    r.t,
    r.phase,
    step('served', 'the servers present the new serials'),
    acts.servedCertificates,
    [{ ...on, ports: expected.map((e) => e.port) }],
    gate,
  );
  const stale = expected.filter(
    (e) => !sameSerial(served.find((s) => s.port === e.port)?.serial ?? '', e.serial),
  );
  if (stale.length > 0)
    throw ApplicationFailure.create({
      type: ErrorTypes.RotationFailed,
      message: `${plan.host} still presents the old certificate on port ${stale.map((s) => s.port).join(', ')}`,
      nonRetryable: true,
    });
  return served;
}

/** A member about to restart hands leadership on first, so writes never wait for an election. */
export async function etcdLeadershipOff(r: Rollout, host: string): Promise<void> {
  await runStep(
    r.t,
    r.phase,
    hostStep(r.phase, host, 'etcd-leader', 'move etcd leadership off it if it leads'),
    acts.ensureEtcdNotLeader,
    [{ cluster: r.input.cluster, host }],
    gateOptions(r.input.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS),
  );
}

export async function rotateHost(
  r: Rollout,
  plan: HostRenewal,
  done: string[],
  after: string[],
): Promise<void> {
  const input = { cluster: r.input.cluster, host: plan.host, profiles: plan.profiles, stamp: r.stamp };
  const step = (what: string, title: string) => hostStep(r.phase, plan.host, what, title);
  await runStep(
    r.t,
    r.phase,
    step('keep', `keep the current ones as *.before-rotate-${r.stamp}`),
    acts.keepCertificatesAside,
    [input],
  );
  const renewed = await runStep(
    r.t,
    r.phase,
    step('renew', `renew ${plan.profiles.length} from their signing CAs`),
    acts.renewCertificates,
    [input],
  );
  const units = { cluster: r.input.cluster, host: plan.host, units: plan.restart };
  try {
    if (plan.restart.includes('etcd')) await etcdLeadershipOff(r, plan.host);
    // Bounded like the gates: a host that cannot restart its components in time is rolled back.
    if (plan.restart.length)
      await runStep(
        r.t,
        r.phase,
        step('restart', `restart ${plan.restart.join(', ')}`),
        acts.restartServices,
        [units],
        gateOptions(r.input.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS),
      );
    const served = await gateAndVerify(r, plan, renewed);
    r.result.hosts.push({ host: plan.host, renewed, restarted: plan.restart, served });
  } catch (err) {
    // Back to what worked on this host; the hosts after it are not touched.
    await runStep(
      r.t,
      r.phase,
      step('restore', 'put the previous certificates back'),
      acts.restoreCertificates,
      [input],
    );
    if (plan.restart.length)
      await runStep(
        r.t,
        r.phase,
        step('restart-previous', `restart ${plan.restart.join(', ')} on the previous certificates`),
        acts.restartServices,
        [units],
      );
    throw ApplicationFailure.create({
      type: ErrorTypes.RotationFailed,
      message:
        `the gate on ${plan.host} failed (${failureText(err)}); its previous certificates are back in place. ` +
        `Renewed before it: ${done.join(', ') || 'none'}; not touched: ${after.join(', ') || 'none'}`,
      nonRetryable: true,
    });
  }
}

export async function rotateCertificates(input: RotateInput): Promise<RotateResult> {
  const t = new OperationTracker('certs-rotate', input.cluster.metadata.name, ROTATE_PHASES);
  const gate = new ApprovalGate(t.progress, input.cluster.spec.approvals?.approvers);
  const stamp = restoreStamp(workflowNow());
  const r: Rollout = { t, phase: 'rollout', input, stamp, result: { stamp, hosts: [] } };
  try {
    const rows = await t.phase('check', () => readCertificates(t, input.cluster));
    const renewals = selectRenewals(input.cluster, rows, input);
    if (renewals.length === 0) {
      t.skipPhase('approval', 'nothing to renew', true);
      t.skipPhase('rollout', 'nothing to renew', true);
      t.progress.warnings.push('no certificate needs renewing (use --force to renew all)');
    } else {
      await t.phase('approval', async () => {
        const outcome = await gate.wait(
          `Renew ${renewals.reduce((n, h) => n + h.profiles.length, 0)} certificates on ${renewals.length} hosts of ${input.cluster.metadata.name}?`,
          rotationPlan(renewals, stamp),
          input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
          input.approvedBy,
        );
        r.result.decision = gate.lastDecision;
        const refused = notApproved(outcome, gate.lastDecision);
        if (refused) throw refused;
      });
      await t.phase('rollout', async () => {
        for (const [i, plan] of renewals.entries())
          await rotateHost(
            r,
            plan,
            renewals.slice(0, i).map((h) => h.host),
            renewals.slice(i + 1).map((h) => h.host),
          );
      });
    }
  } catch (err) {
    t.finish(outcomeOf(err), failureText(err));
    throw err;
  }
  t.finish('completed');
  return r.result;
}
