// hakube codec-server: decrypts and encrypts payloads for the Temporal Web UI (its codec
// endpoint) and the temporal CLI (--codec-endpoint), with the keys the worker and CLI use.
import type { Command } from 'commander';
import { AesGcmCodec } from '../codec/aes-gcm-codec';
import { createCodecServer, isLoopback, listenCodecServer } from '../codec/codec-server';
import { CodecTokenError, codecTokenFile, ENV_CODEC_TOKEN_FILE, readCodecToken } from '../codec/codec-token';
import { ENV_KEY, ENV_KEY_FILE } from '../codec/keys';
import { codecKeys } from '../connect';
import { InputError } from '../exit-codes';
import { devServerStatus } from '../server/dev-server';
import { portFlag, repeatable } from './flags';

export const DEFAULT_CODEC_PORT = 8888;
/** The dev server's Web UI, by both names a browser may use for it. */
export const DEFAULT_ALLOWED_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];

interface CodecServerFlags {
  port: string;
  ip: string;
  allowOrigin?: string[];
  tokenFile?: string;
}

function origin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(`--allow-origin: ${value} is not a URL such as http://localhost:8233`);
  }
  if (url.origin === 'null' || url.pathname !== '/' || url.search || url.hash)
    throw new InputError(`--allow-origin: ${value} is not an origin (scheme://host[:port], no path)`);
  return url.origin;
}

/** The defaults, plus the Web UI of the dev server `hakube server start` runs, wherever it listens. */
function defaultOrigins(): string[] {
  const ui = devServerStatus().uiUrl;
  const running = ui ? [ui, ui.replace('//127.0.0.1:', '//localhost:')] : [];
  return [...new Set([...DEFAULT_ALLOWED_ORIGINS, ...running])];
}

export function registerCodecServerCommand(program: Command): void {
  program
    .command('codec-server')
    .description('serve POST /encode and /decode so the Temporal Web UI can show encrypted payloads')
    .option('--port <port>', 'port to listen on', String(DEFAULT_CODEC_PORT))
    .option(
      '--ip <ip>',
      'address to bind (loopback by default; plain HTTP: put TLS in front beyond it)',
      '127.0.0.1',
    )
    .option(
      '--token-file <file>',
      `the bearer token every call must carry, made on first use (default ${ENV_CODEC_TOKEN_FILE} or $HAKUBE_HOME/codec-token)`,
    )
    .option(
      '--allow-origin <origin>',
      `browser origin allowed to call it, repeatable (default ${DEFAULT_ALLOWED_ORIGINS.join(', ')} and the running dev server's Web UI)`,
      repeatable,
    )
    .action(async (flags: CodecServerFlags, cmd: Command) => {
      const port = portFlag(flags.port, '--port');
      const allowOrigins = (flags.allowOrigin?.length ? flags.allowOrigin : defaultOrigins()).map(origin);
      const { ring, source } = codecKeys(cmd);
      if (!ring)
        throw new InputError(`no encryption key: pass --codec-key-file or set ${ENV_KEY_FILE} or ${ENV_KEY}`);
      const tokenFile = flags.tokenFile ?? codecTokenFile();
      let token: string;
      try {
        // Made only where hakube keeps it by default: a --token-file that is missing is a typo.
        token = readCodecToken(tokenFile, flags.tokenFile === undefined);
      } catch (err) {
        if (err instanceof CodecTokenError) throw new InputError(`--token-file: ${err.message}`);
        throw err;
      }
      const { jsonLine } = await import('../../workers/logger.js');
      const log = (level: string, msg: string, meta: Record<string, unknown> = {}) =>
        process.stderr.write(`${jsonLine(level, msg, meta)}\n`);
      const server = createCodecServer({ codec: new AesGcmCodec(ring), token, allowOrigins, log });
      const url = await listenCodecServer(server, port, flags.ip);
      if (!isLoopback(flags.ip))
        log(
          'warn',
          'the codec server speaks plain HTTP beyond loopback: its token and payloads cross the network in clear',
          {
            ip: flags.ip,
          },
        );
      log('info', 'codec server listening', {
        url,
        allowOrigins,
        keyId: ring.current.id,
        previousKeyIds: ring.previous.map((k) => k.id),
        source,
        tokenFile,
      });
      // The token itself is never printed: it is read from its file where it is needed.
      process.stdout.write(
        [
          `codec endpoint: ${url}`,
          `  Web UI:       ${url}/<token>   (the token: cat ${tokenFile})`,
          `  temporal CLI: --codec-endpoint ${url} --codec-auth "Bearer $(cat ${tokenFile})"`,
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          log('info', 'codec server stopping', { signal });
          server.close(() => resolve());
          server.closeAllConnections();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
