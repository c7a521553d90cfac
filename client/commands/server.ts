// hakube server start|stop|status: the embedded Temporal dev server.
import type { Command } from 'commander';
import { devServerStatus, startDevServer, stopDevServer, type DevServerOptions } from '../server/dev-server';
import { printJson, printLines } from '../output';
import { InputError } from '../exit-codes';

interface ServerFlags {
  port?: string;
  uiPort?: string;
  db?: string;
  ip?: string;
  json?: boolean;
}

function toOptions(flags: ServerFlags): DevServerOptions {
  const port = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      throw new InputError(`--${name}: ${v} is not a port number`);
    return n;
  };
  return {
    port: port(flags.port, 'port'),
    uiPort: port(flags.uiPort, 'ui-port'),
    dbFile: flags.db,
    ip: flags.ip,
    log: flags.json ? undefined : (line) => process.stderr.write(`${line}\n`),
  };
}

export function registerServerCommands(program: Command): void {
  const server = program.command('server').description('the embedded Temporal dev server (SQLite, Web UI)');
  const common = (c: Command) =>
    c
      .option('--port <port>', 'gRPC port', undefined)
      .option('--ui-port <port>', 'Web UI port (default: gRPC port + 1000)')
      .option('--db <file>', 'SQLite database file (default: $HAKUBE_HOME/temporal.db)')
      .option('--ip <ip>', 'address to bind (default 127.0.0.1)')
      .option('--json', 'print the result as JSON');

  common(server.command('start').description('start the dev server in the background (idempotent)')).action(
    async (flags: ServerFlags) => {
      const status = await startDevServer(toOptions(flags));
      if (flags.json) return printJson(status);
      printLines([
        `${status.alreadyRunning ? 'already running' : 'started'}: Temporal dev server pid ${status.state?.pid}`,
        `  gRPC    ${status.address}`,
        `  Web UI  ${status.uiUrl}`,
        `  data    ${status.state?.dbFile}`,
        `  log     ${status.state?.logFile}`,
      ]);
    },
  );

  server
    .command('stop')
    .description('stop the dev server (workflows are kept in its database)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: ServerFlags) => {
      const r = await stopDevServer();
      if (flags.json) return printJson(r);
      printLines([r.wasRunning ? 'stopped' : 'not running']);
    });

  server
    .command('status')
    .description('is the dev server running, and where')
    .option('--json', 'print the result as JSON')
    .action((flags: ServerFlags) => {
      const s = devServerStatus();
      if (flags.json) return printJson(s);
      printLines(
        s.running ? [`running: pid ${s.state?.pid}, gRPC ${s.address}, Web UI ${s.uiUrl}`] : ['not running'],
      );
    });
}
