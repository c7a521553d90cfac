// One ssh2 connection to a host (optionally through a bastion), shared by many commands and
// SFTP transfers, with a bound on concurrent channels. Only this folder knows ssh2.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { ErrorTypes } from '../../cluster/errors';
import { authConfig } from './credentials';
import { classifyConnectError, SshError } from './errors';
import { checkHostKey, knownHostsName, lookupKnownKeys } from './known-hosts';
import { Semaphore } from './semaphore';
import { PID_MARKER, withEnv, withPidMarker, withSudo } from './shell';
import { traced } from './trace';
import type { ExecOptions, ExecResult, SshTarget } from './types';

export type Logger = (msg: string, meta?: Record<string, unknown>) => void;

const MAX_CHANNELS = 8;

/** Connects a Client, enforcing the host-key policy; resolves when it is ready. */
function connectClient(
  config: ConnectConfig,
  where: string,
  keyFile: string,
  policy: SshTarget['hostKeyPolicy'],
  log: Logger,
): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKeyError: SshError | undefined;
    const hostName = knownHostsName(config.host ?? '', config.port ?? 22);
    const known = lookupKnownKeys(keyFile, hostName);
    client
      .on('ready', () => {
        // Without this, small SFTP writes and channel requests wait on delayed ACKs (~40 ms each):
        // a 100 MB upload measured 53 s with Nagle on, under 1 s with it off.
        client.setNoDelay(true);
        resolve(client);
      })
      .on('error', (err: Error & { code?: string; level?: string }) =>
        reject(hostKeyError ?? classifyConnectError(err, where)),
      )
      .connect({
        ...config,
        // Ask for the key types we have pinned, so a server with several keys shows the pinned one.
        algorithms: known.length
          ? { serverHostKey: [...new Set(known.map((k) => k.keyType))] as never }
          : undefined,
        hostVerifier: (key: Buffer) => {
          const decision = checkHostKey(keyFile, hostName, key, policy, (m) => log(m));
          hostKeyError = decision.error;
          return decision.accepted;
        },
      });
  });
}

/** An authenticated connection to the target's bastion and a forwarded socket to the target. */
export async function tunnelThroughBastion(
  target: SshTarget,
  log: Logger,
): Promise<{ bastion: Client; sock: ClientChannel }> {
  const b = target.bastion;
  if (!b) throw new Error(`${target.name} has no bastion`);
  const bastion = await connectClient(
    {
      host: b.address,
      port: b.port,
      username: b.user,
      ...authConfig(b, `bastion ${b.address}`),
      readyTimeout: target.connectTimeoutMs ?? 15_000,
    },
    `bastion ${b.address}`,
    target.knownHostsPath,
    target.hostKeyPolicy,
    log,
  );
  const sock = await new Promise<ClientChannel>((resolve, reject) =>
    bastion.forwardOut('127.0.0.1', 0, target.address, target.port, (err, stream) =>
      err ? reject(classifyConnectError(err, `${target.name} via bastion ${b.address}`)) : resolve(stream),
    ),
  ).catch((err: unknown) => {
    bastion.end();
    throw err;
  });
  return { bastion, sock };
}

export class SshConnection {
  private sftpSession?: Promise<SFTPWrapper>;
  private readonly channels = new Semaphore(MAX_CHANNELS);
  closed = false;

  private constructor(
    private readonly client: Client,
    private readonly bastion: Client | undefined,
    readonly target: SshTarget,
  ) {
    const markClosed = () => (this.closed = true);
    client.on('close', markClosed).on('end', markClosed).on('error', markClosed);
  }

  static async open(target: SshTarget, log: Logger): Promise<SshConnection> {
    const where = `${target.name} (${target.user}@${target.address}:${target.port})`;
    const timeout = target.connectTimeoutMs ?? 15_000;
    const tunnel = target.bastion ? await tunnelThroughBastion(target, log) : undefined;
    const bastion = tunnel?.bastion;
    const sock = tunnel?.sock;
    const client = await connectClient(
      {
        host: target.address,
        port: target.port,
        username: target.user,
        ...authConfig(target, where),
        readyTimeout: timeout,
        keepaliveInterval: 10_000,
        keepaliveCountMax: 3,
        sock,
      },
      where,
      target.knownHostsPath,
      target.hostKeyPolicy,
      log,
    ).catch((err: unknown) => {
      bastion?.end();
      throw err;
    });
    return new SshConnection(client, bastion, target);
  }

  close(): void {
    this.closed = true;
    this.client.end();
    this.bastion?.end();
  }

  sftp(): Promise<SFTPWrapper> {
    this.sftpSession ??= new Promise<SFTPWrapper>((resolve, reject) =>
      this.client.sftp((err, sftp) =>
        err ? reject(classifyConnectError(err, this.target.name)) : resolve(sftp),
      ),
    ).catch((err: unknown) => {
      this.sftpSession = undefined;
      throw err;
    });
    return this.sftpSession;
  }

  /**
   * `work`, or a ConnectionReset as soon as the connection is gone. ssh2's SFTP transfers can
   * wait forever on a dead connection (fastPut's error path closes its remote handle with a
   * request sent after the pending ones were failed, which nobody answers): a step whose sshd
   * died mid-upload hung, heartbeating, instead of failing and retrying.
   */
  private untilLost<T>(work: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const lost = () =>
        reject(
          new SshError(ErrorTypes.ConnectionReset, `${this.target.name}: connection lost during ${what}`),
        );
      this.client.once('close', lost);
      work.then(resolve, reject).finally(() => this.client.off('close', lost));
      if (this.closed) lost();
    });
  }

  /**
   * `work` (an SFTP transfer), or a cancellation as soon as `signal` aborts. A transfer has no
   * abort of its own, so a cancelled one closes the SFTP session (the next transfer opens
   * another): what was written stops growing at once. Another transfer sharing that session
   * fails too and is retried by its step — cancellations are rare, a runaway upload is not.
   */
  private untilCancelled<T>(work: Promise<T>, what: string, signal: AbortSignal | undefined): Promise<T> {
    if (!signal) return work;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const session = this.sftpSession;
        this.sftpSession = undefined;
        void session?.then((s) => s.end()).catch(() => undefined);
        reject(new SshError(ErrorTypes.RemoteCommandFailed, `${this.target.name}: cancelled: ${what}`));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /**
   * Copies a local file or a buffer to a remote path: files with many parallel SFTP writes
   * (fastPut), buffers as one stream. The remote file is created 0600 until the caller sets its
   * mode. Aborting `signal` stops it (the caller removes the partial file).
   */
  async upload(
    content: Buffer | { localPath: string },
    remotePath: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const sftp = await this.sftp();
    const release = await this.channels.acquire();
    try {
      await traced(this.target, 'upload', { remotePath, content }, async () => {
        const what = `upload of ${remotePath}`;
        if (Buffer.isBuffer(content)) {
          await this.untilCancelled(
            this.untilLost(
              pipeline(Readable.from([content]), sftp.createWriteStream(remotePath, { mode: 0o600 })),
              what,
            ),
            what,
            signal,
          );
          return;
        }
        await this.untilCancelled(
          this.untilLost(
            new Promise<void>((resolve, reject) =>
              sftp.fastPut(
                content.localPath,
                remotePath,
                { concurrency: 64, chunkSize: 32 * 1024, mode: 0o600 },
                (err) => (err ? reject(classifyConnectError(err, this.target.name)) : resolve()),
              ),
            ),
            what,
          ),
          what,
          signal,
        );
      });
    } finally {
      release();
    }
  }

  /**
   * Streams a remote file into `sink` (never held in memory whole); resolves with the byte count.
   * The caller owns the sink (a file, a hash, both through a pipeline).
   */
  async download(remotePath: string, sink: NodeJS.WritableStream, signal?: AbortSignal): Promise<number> {
    const sftp = await this.sftp();
    const release = await this.channels.acquire();
    try {
      return await traced(
        this.target,
        'download',
        { remotePath },
        async () => {
          let bytes = 0;
          const source = sftp.createReadStream(remotePath, { highWaterMark: 256 * 1024 });
          source.on('data', (chunk: Buffer) => (bytes += chunk.length));
          await this.untilCancelled(
            this.untilLost(pipeline(source, sink), `download of ${remotePath}`),
            `download of ${remotePath}`,
            signal,
          );
          return bytes;
        },
        (bytes) => ({ bytes }),
      );
    } catch (err) {
      throw classifyConnectError(err as Error, this.target.name);
    } finally {
      release();
    }
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const sudo = opts.sudo ?? this.target.sudo ?? false;
    const inner = withEnv(command, opts.env);
    const full = sudo ? withSudo(inner) : inner;
    const release = await this.channels.acquire();
    try {
      return await traced(
        this.target,
        'exec',
        { command, fullCommand: full, stdin: opts.stdin },
        () => this.runChannel(withPidMarker(full), command, sudo, opts),
        (r) => ({ exitCode: r.exitCode }),
      );
    } finally {
      release();
    }
  }

  private runChannel(
    wrapped: string,
    command: string,
    sudo: boolean,
    opts: ExecOptions,
  ): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      this.client.exec(wrapped, (err, stream) => {
        if (err) return reject(classifyConnectError(err, this.target.name));
        let stdout = '';
        let stderr = '';
        let pid: number | undefined;
        let pendingErr = '';
        let finished = false;
        const finish = (fn: () => void) => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          fn();
        };
        const killRemote = () => {
          if (pid === undefined || this.closed) return;
          const kill = `kill -TERM -- -${pid} 2>/dev/null; sleep 2; kill -KILL -- -${pid} 2>/dev/null; true`;
          this.client.exec(sudo ? withSudo(kill) : kill, (e, s) => {
            if (!e) s.on('data', () => {}).on('close', () => {});
          });
        };
        const onAbort = () =>
          finish(() => {
            killRemote();
            stream.close();
            reject(
              new SshError(ErrorTypes.RemoteCommandFailed, `${this.target.name}: cancelled: ${command}`),
            );
          });
        const timer = setTimeout(
          () =>
            finish(() => {
              killRemote();
              stream.close();
              reject(
                new SshError(
                  ErrorTypes.RemoteCommandTimeout,
                  `${this.target.name}: timed out after ${opts.timeoutMs} ms: ${command}`,
                ),
              );
            }),
          opts.timeoutMs ?? 30 * 60_000,
        );
        if (opts.signal?.aborted) return onAbort();
        opts.signal?.addEventListener('abort', onAbort);
        stream.on('data', (d: Buffer) => {
          const text = d.toString();
          stdout += text;
          opts.onOutput?.(text, 'stdout');
        });
        stream.stderr.on('data', (d: Buffer) => {
          let text = d.toString();
          if (pid === undefined) {
            // The first stderr line is the pid marker; hold partial lines until it is complete.
            pendingErr += text;
            const nl = pendingErr.indexOf('\n');
            if (nl < 0) return;
            const first = pendingErr.slice(0, nl);
            text = pendingErr.slice(nl + 1);
            pendingErr = '';
            if (first.startsWith(PID_MARKER)) pid = Number(first.slice(PID_MARKER.length));
            else text = `${first}\n${text}`;
          }
          if (!text) return;
          stderr += text;
          opts.onOutput?.(text, 'stderr');
        });
        stream.on('close', (code: number | null | undefined, signal?: string) =>
          finish(() => {
            // No exit status and no signal: the connection went away under the command. That is
            // not the command's verdict, so it is a (retryable) reset, not an exit code.
            if (code === undefined || (code === null && !signal)) {
              reject(
                new SshError(
                  ErrorTypes.ConnectionReset,
                  `${this.target.name}: connection lost while running: ${command}`,
                ),
              );
              return;
            }
            resolve({ exitCode: code ?? 128, stdout, stderr: stderr + pendingErr });
          }),
        );
        if (opts.stdin !== undefined) stream.end(opts.stdin);
        else stream.end();
      });
    });
  }
}
