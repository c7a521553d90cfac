// rotateCa: `hakube certs rotate-ca --ca etcd-ca`, a separate and explicitly approved mode. A new
// CA is staged next to the old one; every host trusts both (one host at a time, restarts behind
// gates); the new CA becomes the signer; every leaf it signs is re-issued (the certificate
// rotation's rollout: kept aside, restarted, gated, served serials checked); then hosts trust only
// the new CA. Clients still holding certificates of the old CA are refused after the last step.
import { restoreStamp } from '../cluster/backup/restore';
import {
  caRotationPlan,
  leavesSignedBy,
  rotatedCa,
  trustingHosts,
  unitsTrusting,
  type TrustStage,
} from '../cluster/pki/ca-rotation';
import { unitsFor } from '../cluster/pki/rotation';
import type { CaName } from '../cluster/pki/types';
import type { Cluster, HostSpec } from '../cluster/spec';
import { ErrorTypes } from '../cluster/errors';
import type { StagedCa } from '../activities/pki/ca-rotation';
import { acts, gateOptions, runStep } from './shared/activities';
import { ApprovalGate } from './shared/approval';
import { workflowNow } from './shared/clock';
import { failOperation, notApproved } from './shared/outcome';
import { OperationTracker } from './shared/tracker';
import {
  DEFAULT_HEALTH_TIMEOUT_MS,
  etcdLeadershipOff,
  gateAndVerify,
  rotateHost,
  type RotateResult,
  type Rollout,
} from './rotate-certificates';

export const ROTATE_CA_PHASES = [
  { name: 'approval', title: 'Wait for approval' },
  { name: 'stage', title: 'Stage a new CA next to the old one' },
  { name: 'trust-both', title: 'Trust the old and the new CA (one host at a time)' },
  { name: 'signer', title: 'The new CA signs' },
  { name: 'reissue', title: 'Re-issue its leaves from the new CA (one host at a time)' },
  { name: 'trust-new', title: 'Trust only the new CA (one host at a time)' },
];

export interface RotateCaInput {
  cluster: Cluster;
  ca: CaName;
  approvedBy?: string;
  approvalTimeoutMs?: number;
  healthTimeoutMs?: number;
}

export interface RotateCaResult extends RotateResult {
  ca: CaName;
  staged?: StagedCa;
}

const DEFAULT_APPROVAL_TIMEOUT_MS = 30 * 60_000;

/** One host's CA file set to `stage`, what verifies with it restarted, then the gates. */
async function trustOn(
  r: Rollout,
  phase: string,
  ca: CaName,
  stage: TrustStage,
  host: HostSpec,
): Promise<void> {
  const { cluster } = r.input;
  const restart = unitsTrusting(ca, host);
  await runStep(
    r.t,
    phase,
    { key: `${phase}/ca-file/${host.name}`, title: `CA file: ${stage}`, host: host.name },
    acts.trustCaStage,
    [{ cluster, ca, stamp: r.stamp, host: host.name, stage }],
  );
  if (restart.length === 0) return;
  if (restart.includes('etcd')) await etcdLeadershipOff({ ...r, phase }, host.name);
  await runStep(
    r.t,
    phase,
    { key: `${phase}/restart/${host.name}`, title: `restart ${restart.join(', ')}`, host: host.name },
    acts.restartServices,
    [{ cluster, host: host.name, units: restart }],
    gateOptions(r.input.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS),
  );
  await gateAndVerify({ ...r, phase }, { host: host.name, profiles: [], restart, why: [] }, []);
}

export async function rotateCa(input: RotateCaInput): Promise<RotateCaResult> {
  const { cluster, ca } = input;
  const t = new OperationTracker('certs-rotate', cluster.metadata.name, ROTATE_CA_PHASES);
  const gate = new ApprovalGate(t.progress, cluster.spec.approvals?.approvers);
  const stamp = restoreStamp(workflowNow());
  const result: RotateCaResult = { ca, stamp, hosts: [] };
  const r: Rollout = {
    t,
    phase: 'reissue',
    input: { cluster, healthTimeoutMs: input.healthTimeoutMs },
    stamp,
    result,
  };
  const hosts = trustingHosts(cluster, ca);
  const source = cluster.spec.hosts.find((h) => h.name === rotatedCa(cluster, ca).sourceHost) as HostSpec;
  try {
    await t.phase('approval', async () => {
      const outcome = await gate.wait(
        `Replace the ${ca} of ${cluster.metadata.name}? Clients with certificates of the old one are refused at the end.`,
        caRotationPlan(cluster, ca, stamp),
        input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
        input.approvedBy,
      );
      result.decision = gate.lastDecision;
      const refused = notApproved(outcome, gate.lastDecision);
      if (refused) throw refused;
    });
    result.staged = await t.phase('stage', () =>
      runStep(
        t,
        'stage',
        { key: 'stage/new-ca', title: `keep the old ${ca}, make a new one`, host: source.name },
        acts.stageNewCa,
        [{ cluster, ca, stamp }],
      ),
    );
    await t.phase('trust-both', async () => {
      for (const h of hosts) await trustOn(r, 'trust-both', ca, 'old-first', h);
    });
    // Only the source host signs; the set of trusted CAs is unchanged, so nothing restarts.
    await t.phase('signer', () =>
      runStep(
        t,
        'signer',
        { key: `signer/${source.name}`, title: 'the new CA first, with its key', host: source.name },
        acts.trustCaStage,
        [{ cluster, ca, stamp, host: source.name, stage: 'new-first' }],
      ),
    );
    await t.phase('reissue', async () => {
      const plans = hosts
        .map((h) => ({ host: h.name, profiles: leavesSignedBy(cluster, ca, h), why: [] as string[] }))
        .filter((p) => p.profiles.length > 0)
        .map((p) => ({ ...p, restart: unitsFor(p.profiles) }));
      for (const [i, plan] of plans.entries())
        await rotateHost(
          r,
          plan,
          plans.slice(0, i).map((p) => p.host),
          plans.slice(i + 1).map((p) => p.host),
        );
    });
    await t.phase('trust-new', async () => {
      for (const h of hosts) await trustOn(r, 'trust-new', ca, 'new-only', h);
    });
  } catch (err) {
    failOperation(t, err, ErrorTypes.RotationFailed);
  }
  t.finish('completed');
  return result;
}
