// hakube certs rotate -f cluster.yaml [--only KIND...] [--force] [--yes] [--wait]: renew leaf
// certificates from the same CAs with a rolling restart behind health gates, after approval.
// hakube certs rotate-ca -f cluster.yaml --ca etcd [--yes] [--wait]: replace a CA.
// hakube certs rotate-encryption-key -f cluster.yaml [--yes] [--wait]: replace the Secrets key.
import type { Command } from 'commander';
import {
  encryptionKeyRotationPlan,
  ROTATE_CA_PHASES,
  ROTATE_ENCRYPTION_KEY_PHASES,
  ROTATE_PHASES,
} from '../../cluster/plan/certificates';
import { planPhases } from '../../cluster/plan/phases';
import { caRotationPlan } from '../../cluster/pki/ca-rotation';
import { onlyKinds, ROTATABLE_KINDS } from '../../cluster/pki/rotation';
import { ROTATABLE_CAS } from '../../cluster/pki/ca-rotation';
import type { CaName } from '../../cluster/pki/types';
import { withClient } from '../connect';
import { InputError } from '../exit-codes';
import { loadClusterOrThrow } from '../spec-file';
import { followApproval, withApprovalFlags } from './approval-plan';
import { durationFlag } from './duration-flag';
import { DRY_RUN_STAMP, printDryRun } from './dry-run';
import { approvedInAdvanceBy } from './operations';
import { repeatable } from './flags';

interface RotateFlags {
  file: string;
  only: string[];
  force?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  approvalTimeout: string;
  healthTimeout: string;
  wait?: boolean;
  json?: boolean;
}

const KIND_NAMES = ROTATABLE_KINDS.map((k) => k.replace(/^certs\//, ''));

export function registerCertsRotateCommand(certs: Command, setExit: (code: number) => void): void {
  withApprovalFlags(certs.command('rotate'))
    .description(
      'renew leaf certificates (inside renewBefore, or all with --force) from the same CAs, one host at a time with health gates, after approval',
    )
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .option('--only <kind>', `renew only this kind (repeatable): ${KIND_NAMES.join(', ')}`, repeatable, [])
    .option('--force', 'renew every leaf, not only those inside renewBefore')
    .option(
      '--health-timeout <duration>',
      "how long each host's gates may take before it is rolled back",
      '3m',
    )
    .action(async (flags: RotateFlags, cmd: Command) => {
      const { unknown } = onlyKinds(flags.only);
      if (unknown.length)
        throw new InputError(`--only: unknown ${unknown.join(', ')} (kinds: ${KIND_NAMES.join(', ')})`);
      const { cluster } = loadClusterOrThrow(flags.file);
      const approvalTimeoutMs = durationFlag(flags.approvalTimeout, '--approval-timeout');
      const healthTimeoutMs = durationFlag(flags.healthTimeout, '--health-timeout');
      if (flags.dryRun)
        return printDryRun(
          {
            what: `certificate rotation of ${cluster.metadata.name}`,
            plan: planPhases(ROTATE_PHASES, {}),
            notes: [
              `which certificates are renewed is decided by the check phase (${flags.force ? 'all leaves: --force' : 'those inside renewBefore'}); \`hakube certs check\` shows them now`,
            ],
          },
          flags.json,
        );
      // Refused before connecting: --yes from someone who may not approve.
      const approvedBy = approvedInAdvanceBy(cluster, flags.yes);
      await withClient(cmd, async (client) => {
        const started = await client.startCertsRotate({
          cluster,
          force: flags.force,
          only: flags.only.length ? flags.only : undefined,
          approvedBy,
          approvalTimeoutMs,
          healthTimeoutMs,
        });
        await followApproval(client, started, flags, 'certificate rotation', setExit);
      });
    });
}

export function registerEncryptionKeyRotateCommand(certs: Command, setExit: (code: number) => void): void {
  withApprovalFlags(certs.command('rotate-encryption-key'))
    .description(
      'replace the key that encrypts Secrets in etcd: trusted by every apiserver, then used, every Secret rewritten, then the old key dropped; after approval',
    )
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .option('--health-timeout <duration>', 'how long every apiserver may take to load each stage', '5m')
    .action(async (flags: Omit<RotateFlags, 'only' | 'force'>, cmd: Command) => {
      const { cluster } = loadClusterOrThrow(flags.file);
      const approvalTimeoutMs = durationFlag(flags.approvalTimeout, '--approval-timeout');
      const healthTimeoutMs = durationFlag(flags.healthTimeout, '--health-timeout');
      if (flags.dryRun)
        return printDryRun(
          {
            what: `encryption key rotation of ${cluster.metadata.name}`,
            plan: planPhases(ROTATE_ENCRYPTION_KEY_PHASES, {}),
            approval: encryptionKeyRotationPlan(cluster),
          },
          flags.json,
        );
      // Refused before connecting: --yes from someone who may not approve.
      const approvedBy = approvedInAdvanceBy(cluster, flags.yes);
      await withClient(cmd, async (client) => {
        const started = await client.startEncryptionKeyRotation({
          cluster,
          approvedBy,
          approvalTimeoutMs,
          healthTimeoutMs,
        });
        await followApproval(client, started, flags, 'encryption key rotation', setExit);
      });
    });
}

const CA_NAMES: Record<string, CaName> = { etcd: 'etcd-ca', 'etcd-ca': 'etcd-ca' };

export function registerCaRotateCommand(certs: Command, setExit: (code: number) => void): void {
  withApprovalFlags(certs.command('rotate-ca'))
    .description(
      'replace a CA: the new one trusted next to the old, its leaves re-issued, then only the new one trusted; one host at a time, after approval',
    )
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .requiredOption('--ca <name>', `the CA to replace (${ROTATABLE_CAS.join(', ')})`)
    .option('--health-timeout <duration>', "how long each host's gates may take", '3m')
    .action(async (flags: Omit<RotateFlags, 'only' | 'force'> & { ca: string }, cmd: Command) => {
      const ca = CA_NAMES[flags.ca];
      if (!ca || !ROTATABLE_CAS.includes(ca))
        throw new InputError(`--ca: ${flags.ca} cannot be rotated yet (${ROTATABLE_CAS.join(', ')})`);
      const { cluster } = loadClusterOrThrow(flags.file);
      const approvalTimeoutMs = durationFlag(flags.approvalTimeout, '--approval-timeout');
      const healthTimeoutMs = durationFlag(flags.healthTimeout, '--health-timeout');
      if (flags.dryRun)
        return printDryRun(
          {
            what: `${ca} rotation of ${cluster.metadata.name}`,
            plan: planPhases(ROTATE_CA_PHASES, {}),
            approval: caRotationPlan(cluster, ca, DRY_RUN_STAMP),
          },
          flags.json,
        );
      // Refused before connecting: --yes from someone who may not approve.
      const approvedBy = approvedInAdvanceBy(cluster, flags.yes);
      await withClient(cmd, async (client) => {
        const started = await client.startCaRotation({
          cluster,
          ca,
          approvedBy,
          approvalTimeoutMs,
          healthTimeoutMs,
        });
        await followApproval(client, started, flags, `${ca} rotation`, setExit);
      });
    });
}
