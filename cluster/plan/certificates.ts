// The phases of the certificate operations: check, rotate, rotate-ca, rotate-encryption-key.
// Pure: the workflows run them, `--dry-run` prints them.
import { files } from '../layout';
import type { HostRenewal } from '../pki/rotation';
import type { Cluster } from '../spec';
import { controlPlaneHosts, primaryControlPlane } from '../topology';

const nothingToRenew = ({ renewals }: { renewals?: HostRenewal[] }) =>
  renewals?.length === 0 ? 'nothing to renew' : undefined;

/** `hakube certs rotate`: approval and rollout do not apply when the check finds nothing to renew. */
export const ROTATE_PHASES = [
  { name: 'check', title: "Read every host's certificates" },
  { name: 'approval', title: 'Wait for approval', approval: true, notApplicable: nothingToRenew },
  {
    name: 'rollout',
    title: 'Renew and restart, one host at a time behind health gates',
    notApplicable: nothingToRenew,
  },
] as const;

/** `hakube certs rotate-ca`. */
export const ROTATE_CA_PHASES = [
  { name: 'approval', title: 'Wait for approval', approval: true },
  { name: 'stage', title: 'Stage a new CA next to the old one' },
  { name: 'trust-both', title: 'Trust the old and the new CA (one host at a time)' },
  { name: 'signer', title: 'The new CA signs' },
  { name: 'reissue', title: 'Re-issue its leaves from the new CA (one host at a time)' },
  { name: 'trust-new', title: 'Trust only the new CA (one host at a time)' },
] as const;

/** `hakube certs rotate-encryption-key`. */
export const ROTATE_ENCRYPTION_KEY_PHASES = [
  { name: 'approval', title: 'Wait for approval', approval: true },
  { name: 'stage', title: 'Stage a new key on the first control-plane host' },
  { name: 'trust', title: 'Every apiserver can decrypt with the new key' },
  { name: 'encrypt', title: 'Every apiserver encrypts with the new key' },
  { name: 'rewrite', title: 'Rewrite every Secret with the new key' },
  { name: 'drop-old', title: 'Only the new key remains' },
] as const;

/** `hakube certs check`, and the scheduled check (which approves kubelets' serving CSRs first). */
export const CERTS_CHECK_PHASES = [
  {
    name: 'approve',
    title: "Approve the kubelets' serving-certificate requests",
    notApplicable: ({ approveServingCsrs }: { approveServingCsrs?: boolean }) =>
      approveServingCsrs ? undefined : 'not asked (the scheduled check does it)',
  },
  { name: 'hosts', title: "Read every host's certificates" },
  { name: 'report', title: 'Report what needs attention' },
] as const;

/** What a person approves before the key that encrypts Secrets is replaced. */
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
