// hakube certs rotate -f cluster.yaml [--only KIND...] [--force] [--yes] [--wait]: renew leaf
// certificates from the same CAs with a rolling restart behind health gates, after approval.
import type { Command } from 'commander';
import { onlyKinds, ROTATABLE_KINDS } from '../../cluster/pki/rotation';
import { withClient } from '../connect';
import { InputError } from '../exit-codes';
import { printJson, printLines } from '../output';
import { loadClusterOrThrow } from '../spec-file';
import { approvalPlanLines, withApprovalFlags } from './approval-plan';
import { durationFlag } from './duration-flag';
import { whoAmI } from './operations';
import { watchOperation } from './watch';

interface RotateFlags {
  file: string;
  only: string[];
  force?: boolean;
  yes?: boolean;
  approvalTimeout: string;
  healthTimeout: string;
  wait?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];
const KIND_NAMES = ROTATABLE_KINDS.map((k) => k.replace(/^certs\//, ''));

export function registerCertsRotateCommand(certs: Command, setExit: (code: number) => void): void {
  withApprovalFlags(certs.command('rotate'))
    .description(
      'renew leaf certificates (inside renewBefore, or all with --force) from the same CAs, one host at a time with health gates, after approval',
    )
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .option('--only <kind>', `renew only this kind (repeatable): ${KIND_NAMES.join(', ')}`, collect, [])
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
      await withClient(cmd, async (client) => {
        const started = await client.startCertsRotate({
          cluster,
          force: flags.force,
          only: flags.only.length ? flags.only : undefined,
          approvedBy: flags.yes ? whoAmI() : undefined,
          approvalTimeoutMs,
          healthTimeoutMs,
        });
        if (flags.json && !flags.wait) printJson(started);
        else if (!flags.json && !flags.wait) {
          printLines([`${started.started ? 'started' : 'attached to running'} ${started.workflowId}`]);
          printLines(await approvalPlanLines(client, started.workflowId, 'certificate rotation'));
        }
        if (flags.wait) setExit(await watchOperation(client, started.workflowId, { json: flags.json }));
      });
    });
}
