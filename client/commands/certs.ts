// hakube certs check -f cluster.yaml [--json]: every certificate of every host, with a status.
import type { Command } from 'commander';
import type { CertReportRow } from '../../cluster/pki/cert-report';
import type { CertsCheckResult } from '../../workflows/check-certificates';
import { withClient } from '../connect';
import { ExitCode } from '../exit-codes';
import { printJson, printLines, table } from '../output';
import { loadClusterOrThrow } from '../spec-file';
import { certsScheduleId, DEFAULT_CERTS_CHECK_CRON, ensureCertsCheckSchedule } from '../certs-schedule';
import { changeSchedule, describeSchedule } from '../operation-schedule';
import { cronProblem } from '../../cluster/cron';
import { InputError } from '../exit-codes';
import {
  registerCaRotateCommand,
  registerCertsRotateCommand,
  registerEncryptionKeyRotateCommand,
} from './certs-rotate';
import {
  scheduleChange,
  scheduleLines,
  withScheduleChangeFlags,
  type ScheduleChangeFlags,
} from './schedule-flags';

export function certRows(rows: CertReportRow[]): string[][] {
  return [
    ['HOST', 'CERTIFICATE', 'STATUS', 'DAYS LEFT', 'EXPIRES', 'SUBJECT', 'DETAIL'],
    ...rows.map((r) => [
      r.host,
      r.path,
      r.status,
      r.daysLeft === undefined ? '' : String(r.daysLeft),
      r.notAfter?.slice(0, 10) ?? '',
      r.subject ?? '',
      r.detail ?? '',
    ]),
  ];
}

export function registerCertsCommand(program: Command, setExit: (code: number) => void): void {
  const certs = program
    .command('certs')
    .description('certificates: check, rotate, and the daily scheduled check');
  certs
    .command('check')
    .description(
      'every certificate on every host (PKI, kubeconfigs, kubelet) against the certificate table and the cluster CAs; exit 1 when any needs attention',
    )
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .option('--json', 'print JSON')
    .action(async (opts: { file: string; json?: boolean }, cmd: Command) => {
      const { cluster } = loadClusterOrThrow(opts.file);
      await withClient(cmd, async (client) => {
        const { workflowId } = await client.startCertsCheck({ cluster });
        const result = await client.result<CertsCheckResult>(workflowId);
        if (opts.json) printJson(result);
        else {
          printLines(table(certRows(result.rows)));
          printLines([
            result.attention
              ? `${result.attention} certificate(s) need attention (renew before ${cluster.spec.certificates.renewBeforeDays} days)`
              : 'all certificates ok',
          ]);
        }
        setExit(result.attention ? ExitCode.FAILED : ExitCode.OK);
      });
    });

  registerCertsRotateCommand(certs, setExit);
  registerCaRotateCommand(certs, setExit);
  registerEncryptionKeyRotateCommand(certs, setExit);

  withScheduleChangeFlags(certs.command('schedule'))
    .description(
      'create or update the scheduled certificate check (a Temporal Schedule; a run fails when any certificate needs attention), or pause/resume/delete/trigger it',
    )
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .option('--cron <expr>', 'cron expression', DEFAULT_CERTS_CHECK_CRON)
    .option('--json', 'print JSON')
    .action(
      async (opts: ScheduleChangeFlags & { file: string; cron: string; json?: boolean }, cmd: Command) => {
        const change = scheduleChange(opts);
        const { cluster } = loadClusterOrThrow(opts.file);
        const id = certsScheduleId(cluster.metadata.name);
        await withClient(cmd, async (client) => {
          if (change) {
            await changeSchedule(client, id, change);
            if (change === 'delete')
              return opts.json ? printJson({ deleted: true }) : printLines([`${id} deleted`]);
          } else {
            const problem = cronProblem(opts.cron);
            if (problem) throw new InputError(`--cron ${opts.cron}: ${problem}`);
            await ensureCertsCheckSchedule(client, cluster, opts.cron);
          }
          const { args: _args, ...state } = await describeSchedule(client, id);
          if (opts.json) return printJson(state);
          printLines(scheduleLines(state));
        });
      },
    );
}
