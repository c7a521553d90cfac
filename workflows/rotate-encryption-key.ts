// rotateEncryptionKey: `hakube certs rotate-encryption-key`, the Kubernetes procedure for a new
// key that encrypts Secrets in etcd, made durable. A new key is staged on the first control-plane
// host; every apiserver trusts it (listed after the current key), then encrypts with it (listed
// first), each stage gated on every apiserver having loaded exactly its host's file; every Secret
// is rewritten and etcd is checked to hold none under another key; then the new key is alone.
// Hosts of one stage change together: a mix of two neighbouring stages is always safe, and each
// apiserver rereads its file within a minute, so a stage costs a minute, not a minute per host.
import type { RotationStage } from '../cluster/render/encryption';
import { files } from '../cluster/layout';
import { controlPlaneHosts, etcdHosts, primaryControlPlane } from '../cluster/topology';
import type { Cluster } from '../cluster/spec';
import type { Decision } from '../cluster/progress';
import { ErrorTypes } from '../cluster/errors';
import type { StagedKeyResult } from '../activities/pki/encryption-rotation';
import type { SecretsByKey } from '../cluster/encryption-status';
import { acts, gateOptions, runOnEach, runStep } from './shared/activities';
import { ApprovalGate } from './shared/approval';
import { failOperation, notApproved } from './shared/outcome';
import { OperationTracker } from './shared/tracker';

export const ROTATE_ENCRYPTION_KEY_PHASES = [
  { name: 'approval', title: 'Wait for approval' },
  { name: 'stage', title: 'Stage a new key on the first control-plane host' },
  { name: 'trust', title: 'Every apiserver can decrypt with the new key' },
  { name: 'encrypt', title: 'Every apiserver encrypts with the new key' },
  { name: 'rewrite', title: 'Rewrite every Secret with the new key' },
  { name: 'drop-old', title: 'Only the new key remains' },
];

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

const DEFAULT_APPROVAL_TIMEOUT_MS = 30 * 60_000;
const DEFAULT_STAGE_TIMEOUT_MS = 5 * 60_000;

export function encryptionKeyRotationPlan(c: Cluster): string[] {
  const source = primaryControlPlane(c).name;
  const masters = controlPlaneHosts(c)
    .map((h) => h.name)
    .join(', ');
  return [
    `1. on ${source}: a new key (32 random bytes) staged in ${files.encryptionKeyStaged}, next to the current one`,
    `2. on ${masters}: ${files.encryptionConfig} lists the current key first, the new one after; every apiserver reloads it`,
    `3. on ${masters}: the new key first; every apiserver reloads it (new Secrets are written with it from here)`,
    `4. every Secret read and written back with the new key; etcd checked to hold none under another`,
    `5. on ${masters}: only the new key; every apiserver reloads it; the staged file removed`,
    `keep a copy of ${files.encryptionConfig} after step 5: snapshots taken from then on need the new key`,
  ];
}

export async function rotateEncryptionKey(
  input: RotateEncryptionKeyInput,
): Promise<RotateEncryptionKeyResult> {
  const { cluster } = input;
  const t = new OperationTracker('certs-rotate', cluster.metadata.name, ROTATE_ENCRYPTION_KEY_PHASES);
  const gate = new ApprovalGate(t.progress, cluster.spec.approvals?.approvers);
  const result: RotateEncryptionKeyResult = {};
  const masters = controlPlaneHosts(cluster);
  const source = primaryControlPlane(cluster).name;
  const stageTimeout = input.healthTimeoutMs ?? DEFAULT_STAGE_TIMEOUT_MS;

  /** Every apiserver's file at `stage`, all at once, then each one gated on having loaded it. */
  const toStage = async (phase: string, stage: RotationStage) => {
    await runOnEach(
      t,
      phase,
      masters,
      { key: `${phase}/config`, title: `keys: ${stage}` },
      acts.writeEncryptionKeys,
      (h) => ({
        cluster,
        host: h.name,
        stage,
      }),
    );
    await runOnEach(
      t,
      phase,
      masters,
      { key: `${phase}/loaded`, title: 'the apiserver loaded this file' },
      acts.encryptionConfigLoaded,
      (h) => ({ cluster, host: h.name }),
      gateOptions(stageTimeout),
    );
  };

  try {
    await t.phase('approval', async () => {
      const outcome = await gate.wait(
        `Rotate the key that encrypts Secrets in ${cluster.metadata.name}?`,
        encryptionKeyRotationPlan(cluster),
        input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
        input.approvedBy,
      );
      result.decision = gate.lastDecision;
      const refused = notApproved(outcome, gate.lastDecision);
      if (refused) throw refused;
    });
    const staged = await t.phase('stage', () =>
      runStep(
        t,
        'stage',
        { key: 'stage/key', title: 'a new key next to the current one', host: source },
        acts.stageEncryptionKey,
        [{ cluster }],
      ),
    );
    result.staged = staged;
    await t.phase('trust', () => toStage('trust', 'old-first'));
    await t.phase('encrypt', () => toStage('encrypt', 'new-first'));
    await t.phase('rewrite', async () => {
      const r = await runStep(
        t,
        'rewrite',
        { key: 'rewrite/secrets', title: 'every Secret read and written back', host: source },
        acts.rewriteSecrets,
        [{ cluster, host: source }],
      );
      result.rewritten = r.rewritten;
      const member = etcdHosts(cluster)[0].name;
      result.secrets = await runStep(
        t,
        'rewrite',
        { key: 'rewrite/check', title: `etcd holds every Secret under ${staged.staged}`, host: member },
        acts.secretsEncryptedWith,
        [{ cluster, host: member, key: staged.staged }],
        gateOptions(stageTimeout),
      );
    });
    await t.phase('drop-old', async () => {
      await toStage('drop-old', 'new-only');
      const end = await runStep(
        t,
        'drop-old',
        { key: 'drop-old/staged-file', title: 'the staged key file removed', host: source },
        acts.finishEncryptionKeyRotation,
        [{ cluster }],
      );
      result.keys = end.keys;
    });
  } catch (err) {
    failOperation(t, err, ErrorTypes.RotationFailed);
  }
  t.finish('completed');
  return result;
}
