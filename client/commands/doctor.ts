// hakube doctor -f cluster.yaml [--direct] [--json] [--verbose]: what is wrong with the cluster,
// each finding with evidence and a fix. Exit 0 when nothing is at warning or above, 1 otherwise.
import type { Command } from 'commander';
import type { DoctorReport } from '../../cluster/doctor/report';
import { withClient } from '../connect';
import { doctorDirect } from '../doctor-direct';
import { doctorLines } from '../doctor-view';
import { ExitCode } from '../exit-codes';
import { printJson, printLines } from '../output';
import { loadClusterOrThrow } from '../spec-file';

interface DoctorFlags {
  file: string;
  direct?: boolean;
  json?: boolean;
  verbose?: boolean;
}

export function registerDoctorCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('doctor')
    .description(
      'read-only diagnosis of every host and the cluster (units, disks, clocks, etcd, apiservers, VIP, nodes, certificates): findings with evidence and fixes; exit 1 when one needs action',
    )
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .option(
      '--direct',
      'look over SSH from this process, without Temporal (when Temporal or the worker is what is broken)',
    )
    .option('--json', 'print the report as JSON')
    .option('--verbose', "print every host's evidence, not one per group")
    .action(async (flags: DoctorFlags, cmd: Command) => {
      const { cluster } = loadClusterOrThrow(flags.file);
      const show = (report: DoctorReport) => {
        if (flags.json) printJson(report);
        else printLines(doctorLines(report, { verbose: flags.verbose }));
        setExit(report.actionable ? ExitCode.FAILED : ExitCode.OK);
      };
      if (flags.direct) return show(await doctorDirect(cluster, flags.file));
      await withClient(cmd, async (client) => {
        const { workflowId } = await client.startDoctor({ cluster, specFile: flags.file });
        show(await client.result<DoctorReport>(workflowId));
      });
    });
}
