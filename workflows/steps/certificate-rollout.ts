// A rollout of renewed certificates, one host at a time (certificate rotation, and the
// re-issue phase of a CA rotation): keep the current ones aside, renew, restart what loads them
// (etcd leadership moved off first), pass the gates and check the servers present the new
// serials. A failed gate puts the host's previous certificates back and stops the rollout.
import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import type { RenewedCert, ServedCert } from '../../activities/pki/rotate';
import { ErrorTypes } from '../../cluster/errors';
import { sameSerial, type HostRenewal } from '../../cluster/pki/rotation';
import type { Cluster } from '../../cluster/spec';
import { apiserverPort, etcdHosts, primaryControlPlane } from '../../cluster/topology';
import { acts, gateOptions, runStep } from '../shared/activities';
import { undo } from '../shared/operation';
import { failureText } from '../shared/outcome';
import type { OperationTracker } from '../shared/tracker';
import { moveEtcdLeadershipOff } from './etcd-leadership';

export const DEFAULT_HEALTH_TIMEOUT_MS = 3 * 60_000;

export interface HostRotation {
  host: string;
  renewed: RenewedCert[];
  restarted: string[];
  served: ServedCert[];
}

/** A rollout in progress: where its steps are tracked, what it renews, and the hosts done so far. */
export interface Rollout {
  t: OperationTracker;
  phase: string;
  cluster: Cluster;
  /** How long each host's gates may take before the host is rolled back. */
  healthTimeoutMs?: number;
  stamp: string;
  hosts: HostRotation[];
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
  const { cluster } = r;
  const gate = gateOptions(r.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS);
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
export function etcdLeadershipOff(r: Rollout, host: string): Promise<unknown> {
  return moveEtcdLeadershipOff(r.t, r.phase, r.cluster, host, r.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS);
}

async function putPreviousCertificatesBack(
  r: Rollout,
  plan: HostRenewal,
  input: { cluster: Cluster; host: string; profiles: string[]; stamp: string },
  units: { cluster: Cluster; host: string; units: string[] },
): Promise<void> {
  const step = (what: string, title: string) => hostStep(r.phase, plan.host, what, title);
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
}

export async function rotateHost(
  r: Rollout,
  plan: HostRenewal,
  done: string[],
  after: string[],
): Promise<void> {
  const input = { cluster: r.cluster, host: plan.host, profiles: plan.profiles, stamp: r.stamp };
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
  const units = { cluster: r.cluster, host: plan.host, units: plan.restart };
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
        gateOptions(r.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS),
      );
    const served = await gateAndVerify(r, plan, renewed);
    r.hosts.push({ host: plan.host, renewed, restarted: plan.restart, served });
  } catch (err) {
    // Back to what worked on this host; the hosts after it are not touched. Not cancelled with
    // the operation: a cancelled rotation must not leave the host on half-checked certificates.
    await undo(() => putPreviousCertificatesBack(r, plan, input, units));
    if (isCancellation(err)) throw err;
    throw ApplicationFailure.create({
      type: ErrorTypes.RotationFailed,
      message:
        `the gate on ${plan.host} failed (${failureText(err)}); its previous certificates are back in place. ` +
        `Renewed before it: ${done.join(', ') || 'none'}; not touched: ${after.join(', ') || 'none'}`,
      nonRetryable: true,
    });
  }
}
