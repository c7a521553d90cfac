// rotateEncryptionKey: `hakube certs rotate-encryption-key`, the Kubernetes procedure for a new
// key that encrypts Secrets in etcd, made durable. A new key is staged on the first control-plane
// host; every apiserver trusts it (listed after the current key), then encrypts with it (listed
// first), each stage gated on every apiserver having loaded exactly its host's file; every Secret
// is rewritten and etcd is checked to hold none under another key; then the new key is alone.
// Hosts of one stage change together: a mix of two neighbouring stages is always safe, and each
// apiserver rereads its file within a minute, so a stage costs a minute, not a minute per host.
import type { RotationStage } from '../cluster/render/encryption';
import { controlPlaneHosts, etcdHosts, primaryControlPlane } from '../cluster/topology';
import type { Cluster } from '../cluster/spec';
import type { Decision } from '../cluster/progress';
import { ErrorTypes } from '../cluster/errors';
import { encryptionKeyRotationPlan, ROTATE_ENCRYPTION_KEY_PHASES } from '../cluster/plan/certificates';
import type { StagedKeyResult } from '../activities/pki/encryption-rotation';
import type { SecretsByKey } from '../cluster/encryption-status';
import { acts, gateOptions, runOnEach, runStep } from './shared/activities';
import { Operation, withBodies, type ApprovalRequest, type OperationRun } from './shared/operation';

export interface RotateEncryptionKeyInput {
  cluster: Cluster;
  approvedBy?: string;
  approvalTimeoutMs?: number;
  /** How long each stage may take to be loaded by every apiserver (they poll once a minute). */
  healthTimeoutMs?: number;
}

export interface RotateEncryptionKeyResult {
  decision?: Decision;
  staged?: StagedKeyResult;
  rewritten?: number;
  secrets?: SecretsByKey;
  /** The keys the configuration lists at the end. */
  keys?: string[];
}

const DEFAULT_STAGE_TIMEOUT_MS = 5 * 60_000;

interface KeyRotationRun extends OperationRun {
  cluster: Cluster;
  /** The first control-plane host: where the key is staged and Secrets are rewritten from. */
  source: string;
  stageTimeoutMs: number;
  result: RotateEncryptionKeyResult;
}

/** Every apiserver's file at `stage`, all at once, then each one gated on having loaded it. */
async function toStage({ t, cluster, stageTimeoutMs }: KeyRotationRun, phase: string, stage: RotationStage) {
  const masters = controlPlaneHosts(cluster);
  await runOnEach(
    t,
    phase,
    masters,
    { key: `${phase}/config`, title: `keys: ${stage}` },
    acts.writeEncryptionKeys,
    (h) => ({ cluster, host: h.name, stage }),
  );
  await runOnEach(
    t,
    phase,
    masters,
    { key: `${phase}/loaded`, title: 'the apiserver loaded this file' },
    acts.encryptionConfigLoaded,
    (h) => ({ cluster, host: h.name }),
    gateOptions(stageTimeoutMs),
  );
}

function approval({ cluster }: KeyRotationRun): ApprovalRequest {
  return {
    question: `Rotate the key that encrypts Secrets in ${cluster.metadata.name}?`,
    plan: encryptionKeyRotationPlan(cluster),
  };
}

async function stageKey({ t, cluster, source, result }: KeyRotationRun): Promise<void> {
  result.staged = await runStep(
    t,
    'stage',
    { key: 'stage/key', title: 'a new key next to the current one', host: source },
    acts.stageEncryptionKey,
    [{ cluster }],
  );
}

async function rewriteSecrets(run: KeyRotationRun): Promise<void> {
  const { t, cluster, source, result } = run;
  const r = await runStep(
    t,
    'rewrite',
    { key: 'rewrite/secrets', title: 'every Secret read and written back', host: source },
    acts.rewriteSecrets,
    [{ cluster, host: source }],
  );
  result.rewritten = r.rewritten;
  const member = etcdHosts(cluster)[0].name;
  const staged = result.staged?.staged ?? '';
  result.secrets = await runStep(
    t,
    'rewrite',
    { key: 'rewrite/check', title: `etcd holds every Secret under ${staged}`, host: member },
    acts.secretsEncryptedWith,
    [{ cluster, host: member, key: staged }],
    gateOptions(run.stageTimeoutMs),
  );
}

async function dropOldKey(run: KeyRotationRun): Promise<void> {
  await toStage(run, 'drop-old', 'new-only');
  const end = await runStep(
    run.t,
    'drop-old',
    { key: 'drop-old/staged-file', title: 'the staged key file removed', host: run.source },
    acts.finishEncryptionKeyRotation,
    [{ cluster: run.cluster }],
  );
  run.result.keys = end.keys;
}

const PHASES = withBodies<(typeof ROTATE_ENCRYPTION_KEY_PHASES)[number]['name'], KeyRotationRun>(
  ROTATE_ENCRYPTION_KEY_PHASES,
  {
    approval: { approve: approval },
    stage: stageKey,
    trust: (run) => toStage(run, 'trust', 'old-first'),
    encrypt: (run) => toStage(run, 'encrypt', 'new-first'),
    rewrite: rewriteSecrets,
    'drop-old': dropOldKey,
  },
);

export async function rotateEncryptionKey(
  input: RotateEncryptionKeyInput,
): Promise<RotateEncryptionKeyResult> {
  const { cluster } = input;
  const op = new Operation<KeyRotationRun>(
    'certs-rotate',
    cluster.metadata.name,
    PHASES,
    { failureType: ErrorTypes.RotationFailed },
    cluster.spec.approvals?.approvers,
  );
  const run: KeyRotationRun = {
    t: op.t,
    cluster,
    source: primaryControlPlane(cluster).name,
    stageTimeoutMs: input.healthTimeoutMs ?? DEFAULT_STAGE_TIMEOUT_MS,
    result: {},
  };
  await op.run(run, input);
  return { ...run.result, decision: op.decision };
}
