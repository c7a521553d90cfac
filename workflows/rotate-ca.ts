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
import { ROTATE_CA_PHASES } from '../cluster/plan/certificates';
import type { StagedCa } from '../activities/pki/ca-rotation';
import { acts, gateOptions, runStep } from './shared/activities';
import { workflowNow } from './shared/clock';
import { Operation, withBodies, type ApprovalRequest, type OperationRun } from './shared/operation';
import type { RotateResult } from './rotate-certificates';
import {
  DEFAULT_HEALTH_TIMEOUT_MS,
  etcdLeadershipOff,
  gateAndVerify,
  rotateHost,
  type Rollout,
} from './steps/certificate-rollout';

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

interface RotateCaRun extends OperationRun, Rollout {
  ca: CaName;
  /** Every host that trusts the CA, in rollout order. */
  trusting: HostSpec[];
  /** The host whose PKI folder keeps the CA's key. */
  source: HostSpec;
  staged?: StagedCa;
}

/** One host's CA file set to `stage`, what verifies with it restarted, then the gates. */
async function trustOn(
  r: Rollout,
  phase: string,
  ca: CaName,
  stage: TrustStage,
  host: HostSpec,
): Promise<void> {
  const { cluster } = r;
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
    gateOptions(r.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS),
  );
  await gateAndVerify({ ...r, phase }, { host: host.name, profiles: [], restart, why: [] }, []);
}

function approval({ cluster, ca, stamp }: RotateCaRun): ApprovalRequest {
  return {
    question: `Replace the ${ca} of ${cluster.metadata.name}? Clients with certificates of the old one are refused at the end.`,
    plan: caRotationPlan(cluster, ca, stamp),
  };
}

async function stage(run: RotateCaRun): Promise<void> {
  const { t, cluster, ca, stamp, source } = run;
  run.staged = await runStep(
    t,
    'stage',
    { key: 'stage/new-ca', title: `keep the old ${ca}, make a new one`, host: source.name },
    acts.stageNewCa,
    [{ cluster, ca, stamp }],
  );
}

/** Only the source host signs; the set of trusted CAs is unchanged, so nothing restarts. */
async function makeSigner({ t, cluster, ca, stamp, source }: RotateCaRun): Promise<void> {
  await runStep(
    t,
    'signer',
    { key: `signer/${source.name}`, title: 'the new CA first, with its key', host: source.name },
    acts.trustCaStage,
    [{ cluster, ca, stamp, host: source.name, stage: 'new-first' }],
  );
}

async function reissue(run: RotateCaRun): Promise<void> {
  const { cluster, ca } = run;
  const plans = run.trusting
    .map((h) => ({ host: h.name, profiles: leavesSignedBy(cluster, ca, h), why: [] as string[] }))
    .filter((p) => p.profiles.length > 0)
    .map((p) => ({ ...p, restart: unitsFor(p.profiles) }));
  for (const [i, plan] of plans.entries())
    await rotateHost(
      run,
      plan,
      plans.slice(0, i).map((p) => p.host),
      plans.slice(i + 1).map((p) => p.host),
    );
}

const trustEach = (phase: string, stage: TrustStage) => async (run: RotateCaRun) => {
  for (const h of run.trusting) await trustOn(run, phase, run.ca, stage, h);
};

const PHASES = withBodies<(typeof ROTATE_CA_PHASES)[number]['name'], RotateCaRun>(ROTATE_CA_PHASES, {
  approval: { approve: approval },
  stage,
  'trust-both': trustEach('trust-both', 'old-first'),
  signer: makeSigner,
  reissue,
  'trust-new': trustEach('trust-new', 'new-only'),
});

export async function rotateCa(input: RotateCaInput): Promise<RotateCaResult> {
  const { cluster, ca } = input;
  const op = new Operation<RotateCaRun>(
    'certs-rotate',
    cluster.metadata.name,
    PHASES,
    { failureType: ErrorTypes.RotationFailed },
    cluster.spec.approvals?.approvers,
  );
  const stamp = restoreStamp(workflowNow());
  const run: RotateCaRun = {
    t: op.t,
    phase: 'reissue',
    cluster,
    healthTimeoutMs: input.healthTimeoutMs,
    stamp,
    hosts: [],
    ca,
    trusting: trustingHosts(cluster, ca),
    source: cluster.spec.hosts.find((h) => h.name === rotatedCa(cluster, ca).sourceHost) as HostSpec,
  };
  await op.run(run, input);
  return { ca, stamp, hosts: run.hosts, staged: run.staged, decision: op.decision };
}
