// hakube validate -f FILE...: every problem of every file at once, with paths and positions.
import type { Command } from 'commander';
import { formatProblem, hasErrors } from '../../cluster/problems';
import { ExitCode } from '../exit-codes';
import { printJson, printLines } from '../output';
import { loadSpecFile } from '../spec-file';

export function registerValidateCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('validate')
    .description('check cluster spec files: schema, cross-field rules, SSH key files')
    .requiredOption('-f, --file <file...>', 'cluster spec file(s) (YAML)')
    .option('--json', 'print the result as JSON')
    .action((opts: { file: string[]; json?: boolean }) => {
      const results = opts.file.map((f) => loadSpecFile(f));
      const failed = results.some((r) => hasErrors(r.problems));
      if (opts.json) {
        printJson(
          results.map((r) => ({ file: r.file, valid: !hasErrors(r.problems), problems: r.problems })),
        );
      } else {
        for (const r of results) {
          const ok = !hasErrors(r.problems);
          const hosts = r.cluster
            ? ` (cluster ${r.cluster.metadata.name}, ${r.cluster.spec.hosts.length} hosts)`
            : '';
          printLines([
            `${r.file}: ${ok ? 'valid' : 'INVALID'}${hosts}`,
            ...r.problems.map((p) => `  ${formatProblem(p)}`),
          ]);
        }
      }
      setExit(failed ? ExitCode.BAD_INPUT : ExitCode.OK);
    });
}
