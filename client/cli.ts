// The `hakube` command line: a thin layer over the typed client module (client/hakube-client.ts).
// Exit codes: 0 ok, 1 operation failed, 2 bad input, 3 approval timed out (client/exit-codes.ts).
import { Command, CommanderError } from 'commander';
import { ExitCode, InputError } from './exit-codes';
import { printError } from './output';
import { formatProblem } from '../cluster/problems';
import { SpecInvalidError } from './spec-file';
import { registerValidateCommand } from './commands/validate';
import { registerServerCommands } from './commands/server';
import { registerWorkerCommand } from './commands/worker';
import { registerNamespaceCommands } from './commands/namespace';
import { registerOperationCommands } from './commands/operations';
import { registerLabCommands } from './commands/lab';
import { registerUpgradeCommand } from './commands/upgrade';
import { registerInstallCommand } from './commands/install';
import { registerWatchCommand } from './commands/watch';
import { registerBackupCommand } from './commands/backup';
import { registerRestoreCommand } from './commands/restore';
import { registerResetCommand } from './commands/reset';
import { registerKubeconfigCommand } from './commands/kubeconfig';
import { registerCertsCommand } from './commands/certs';
import { registerDoctorCommand } from './commands/doctor';
import { registerBundleCommands } from './commands/bundle';
import { registerConformanceCommands } from './commands/conformance';
import { registerNodeCommands } from './commands/node';
import { registerHostsCommands } from './commands/hosts';
import { BundleInputError, ChecksumParseError } from '../cluster/bundle';
import { PortInUseError } from './server/dev-server';
import { LabInputError } from '../lab/names';
import { registerCodecServerCommand } from './commands/codec-server';
import { CodecKeyError } from './codec/errors';
import { repeatable } from './commands/flags';

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('hakube')
    .description('Install and operate highly-available Kubernetes clusters, durably (Temporal).')
    .option('--address <host:port>', 'Temporal frontend (default $TEMPORAL_ADDRESS or localhost:7233)')
    .option('--namespace <ns>', 'Temporal namespace (default $TEMPORAL_NAMESPACE or default)')
    .option(
      '--codec-key-file <file>',
      'encrypt payloads with this key (repeat for previous keys; default $HAKUBE_CODEC_KEY_FILE, docs/encryption.md)',
      repeatable,
    )
    .showHelpAfterError()
    .exitOverride();
  registerValidateCommand(program, setExit);
  registerServerCommands(program);
  registerWorkerCommand(program);
  registerNamespaceCommands(program);
  registerInstallCommand(program, setExit);
  registerOperationCommands(program, setExit);
  registerWatchCommand(program, setExit);
  registerBackupCommand(program, setExit);
  registerRestoreCommand(program, setExit);
  registerResetCommand(program, setExit);
  registerKubeconfigCommand(program);
  registerCertsCommand(program, setExit);
  registerDoctorCommand(program, setExit);
  registerUpgradeCommand(program, setExit);
  registerNodeCommands(program, setExit);
  registerHostsCommands(program, setExit);
  registerLabCommands(program);
  registerBundleCommands(program);
  registerConformanceCommands(program, setExit);
  registerCodecServerCommand(program);
  // exitOverride is not inherited by subcommands created before it was set: apply it everywhere.
  const override = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(program);
  return program;
}

function exitCodeFor(err: unknown): number {
  if (err instanceof SpecInvalidError) {
    printError(err.message);
    for (const p of err.problems) printError(`  ${formatProblem(p)}`);
    return ExitCode.BAD_INPUT;
  }
  const badInput = [
    InputError,
    PortInUseError,
    LabInputError,
    BundleInputError,
    ChecksumParseError,
    CodecKeyError,
  ];
  if (err instanceof Error && badInput.some((type) => err instanceof type)) {
    printError(`hakube: ${err.message}`);
    return ExitCode.BAD_INPUT;
  }
  printError(`hakube: ${err instanceof Error ? err.message : String(err)}`);
  return ExitCode.FAILED;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = ExitCode.OK;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors are bad input.
      return err.exitCode === 0 ? ExitCode.OK : ExitCode.BAD_INPUT;
    }
    return exitCodeFor(err);
  }
}
