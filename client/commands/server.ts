// hakube server start|stop|status: the embedded Temporal dev server.
import type { Command } from 'commander';
import { devServerStatus, startDevServer, stopDevServer, type DevServerOptions } from '../server/dev-server';
import { printJson, printLines } from '../output';
import { InputError } from '../exit-codes';
import { codecKeys } from '../connect';
import { portFlag } from './flags';
import { DEFAULT_CODEC_PORT } from './codec-server';
import { codecTokenFile, endpointWithToken, readCodecToken } from '../codec/codec-token';

interface ServerFlags {
  port?: string;
  uiPort?: string;
  db?: string;
  ip?: string;
  codecEndpoint?: string;
  json?: boolean;
}

const DEFAULT_CODEC_ENDPOINT = `http://127.0.0.1:${DEFAULT_CODEC_PORT}`;

function codecEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(`--codec-endpoint: ${value} is not a URL such as ${DEFAULT_CODEC_ENDPOINT}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InputError(`--codec-endpoint: ${value} is not an http(s) URL`);
  return value.replace(/\/+$/, '');
}

/**
 * With encryption keys configured, the Web UI is pointed at `hakube codec-server`'s default
 * address, its token as the path's first segment (the Web UI cannot send a header of its own).
 */
function toOptions(flags: ServerFlags, encrypting: boolean): DevServerOptions {
  const port = (v: string | undefined, name: string) =>
    v === undefined ? undefined : portFlag(v, `--${name}`);
  const endpoint =
    flags.codecEndpoint ??
    (encrypting
      ? endpointWithToken(DEFAULT_CODEC_ENDPOINT, readCodecToken(codecTokenFile(), true))
      : undefined);
  return {
    port: port(flags.port, 'port'),
    uiPort: port(flags.uiPort, 'ui-port'),
    dbFile: flags.db,
    ip: flags.ip,
    codecEndpoint: endpoint === undefined ? undefined : codecEndpoint(endpoint),
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

  common(server.command('start').description('start the dev server in the background (idempotent)'))
    .option(
      '--codec-endpoint <url>',
      `the Web UI decodes encrypted payloads there (default with an encryption key: ${DEFAULT_CODEC_ENDPOINT})`,
    )
    .action(async (flags: ServerFlags, cmd: Command) => {
      const status = await startDevServer(toOptions(flags, codecKeys(cmd).ring !== undefined));
      if (flags.json) return printJson(status);
      const codec = status.state?.codecEndpoint;
      printLines([
        `${status.alreadyRunning ? 'already running' : 'started'}: Temporal dev server pid ${status.state?.pid}`,
        `  gRPC    ${status.address}`,
        `  Web UI  ${status.uiUrl}`,
        ...(codec ? [`  codec   ${codec} (serve it with: hakube codec-server)`] : []),
        `  data    ${status.state?.dbFile}`,
        `  log     ${status.state?.logFile}`,
      ]);
    });

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
