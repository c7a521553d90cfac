// A Host over SSH: commands through the pool, idempotent file operations over SFTP
// (sha256 compared first; upload to a temp name in the same folder, then an atomic rename).
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat as localStat } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { posix } from 'node:path';
import { ErrorTypes } from '../../cluster/errors';
import { SshError } from './errors';
import type { SshPool } from './pool';
import { shq } from './shell';
import type {
  EnsureFileOptions,
  EnsureFileResult,
  ExecOptions,
  ExecResult,
  DownloadResult,
  FileContent,
  Host,
  RemoteStat,
  SshTarget,
} from './types';

async function localSha256(content: FileContent): Promise<{ sha256: string; size: number }> {
  if (Buffer.isBuffer(content))
    return { sha256: createHash('sha256').update(content).digest('hex'), size: content.length };
  if (content.sha256) return { sha256: content.sha256, size: (await localStat(content.localPath)).size };
  const hash = createHash('sha256');
  await pipeline(createReadStream(content.localPath), hash);
  return { sha256: hash.digest('hex'), size: (await localStat(content.localPath)).size };
}

/**
 * Where an upload of `path` is written before its rename: as root beside the target (same
 * filesystem, so the rename is atomic); as a sudo user, who may not write the target's folder,
 * in `stagingDir` (the user's private folder, 0700: never /tmp, where others could read a key
 * while it passes), named by a hash of the target. Either way one target has one prefix.
 */
export function uploadTempPrefix(path: string, stagingDir?: string): string {
  if (!stagingDir) return `${posix.dirname(path)}/.${posix.basename(path)}.hakube-`;
  return `${stagingDir}/${createHash('sha256').update(path).digest('hex').slice(0, 16)}-`;
}

/** A sudo user's staging folder: made 0700 in their home, its path printed (and checked). */
const STAGING_DIR_COMMAND =
  'umask 077 && mkdir -p "$HOME/.hakube-staging" && chmod 700 "$HOME/.hakube-staging" && printf %s "$HOME/.hakube-staging"';

export class RemoteHost implements Host {
  readonly name: string;
  readonly address: string;

  /**
   * `cancellation`: where a remote command, upload or download learns it is no longer wanted
   * (the worker passes the running activity's cancellation signal).
   */
  constructor(
    private readonly pool: SshPool,
    private readonly target: SshTarget,
    private readonly cancellation: () => AbortSignal | undefined = () => undefined,
  ) {
    this.name = target.name;
    this.address = target.address;
  }

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const signal = opts.signal === undefined ? this.cancellation() : (opts.signal ?? undefined);
    return this.pool.use(this.target, (c) => c.exec(command, { ...opts, signal }));
  }

  async run(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.exec(command, opts);
    if (r.exitCode !== 0) {
      const detail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-8).join('\n');
      throw new SshError(
        ErrorTypes.RemoteCommandFailed,
        `${this.name}: \`${command.split('\n')[0].slice(0, 200)}\` exited ${r.exitCode}: ${detail}`,
      );
    }
    return r;
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    const r = await this.exec(`if [ -f ${shq(path)} ]; then base64 -w0 ${shq(path)}; else echo @@absent; fi`);
    if (r.exitCode !== 0)
      throw new SshError(
        ErrorTypes.RemoteCommandFailed,
        `${this.name}: cannot read ${path}: ${r.stderr.trim()}`,
      );
    return r.stdout.trim() === '@@absent' ? undefined : Buffer.from(r.stdout.trim(), 'base64');
  }

  async stat(path: string): Promise<RemoteStat | undefined> {
    const r = await this.exec(`stat -c '%s %f %u %g %F' ${shq(path)} 2>/dev/null`);
    if (r.exitCode !== 0) return undefined;
    const [size, modeHex, uid, gid, ...type] = r.stdout.trim().split(' ');
    return {
      size: Number(size),
      mode: parseInt(modeHex, 16) & 0o7777,
      uid: Number(uid),
      gid: Number(gid),
      isDirectory: type.join(' ') === 'directory',
    };
  }

  async download(remotePath: string, localPath: string, expectSha256?: string): Promise<DownloadResult> {
    const partial = `${localPath}.partial`;
    try {
      const result = await this.downloadInto(
        remotePath,
        createWriteStream(partial, { mode: 0o600 }),
        expectSha256,
      );
      await rename(partial, localPath);
      return result;
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  }

  async downloadInto(
    remotePath: string,
    sink: NodeJS.WritableStream,
    expectSha256?: string,
  ): Promise<DownloadResult> {
    const hash = createHash('sha256');
    // One pass: the bytes go to the sink and through the hash.
    const tee = new PassThrough();
    tee.on('data', (chunk: Buffer) => hash.update(chunk));
    const [bytes] = await Promise.all([
      this.pool.use(this.target, (c) => c.download(remotePath, tee, this.cancellation())),
      pipeline(tee, sink),
    ]);
    const sha256 = hash.digest('hex');
    if (expectSha256 && sha256 !== expectSha256)
      throw new SshError(
        ErrorTypes.RemoteCommandFailed,
        `${this.name}: download of ${remotePath} arrived corrupted (sha256 ${sha256}, expected ${expectSha256})`,
      );
    return { bytes, sha256 };
  }

  private staging?: Promise<string>;

  /** The sudo user's private staging folder (what the host prints is checked before use). */
  private stagingDir(): Promise<string> {
    this.staging ??= this.run(STAGING_DIR_COMMAND, { sudo: false }).then((r) => {
      const dir = r.stdout.trim();
      if (!/^\/[A-Za-z0-9._/@+-]+\/\.hakube-staging$/.test(dir) || dir.includes('/../'))
        throw new SshError(
          ErrorTypes.RemoteCommandFailed,
          `${this.name}: unexpected staging folder ${JSON.stringify(dir)}`,
        );
      return dir;
    });
    this.staging.catch(() => (this.staging = undefined));
    return this.staging;
  }

  async sha256(path: string): Promise<string | undefined> {
    const r = await this.exec(`sha256sum ${shq(path)} 2>/dev/null`);
    return r.exitCode === 0 ? r.stdout.split(' ')[0] : undefined;
  }

  private async ownerAndMode(path: string, opts: EnsureFileOptions, current?: RemoteStat): Promise<boolean> {
    const cmds: string[] = [];
    if (opts.mode !== undefined && current?.mode !== opts.mode)
      cmds.push(`chmod ${opts.mode.toString(8)} ${shq(path)}`);
    if (opts.owner) {
      const want = await this.exec(`id -u ${shq(opts.owner.split(':')[0])}`);
      if (current === undefined || String(current.uid) !== want.stdout.trim())
        cmds.push(`chown ${shq(opts.owner)} ${shq(path)}`);
    }
    if (cmds.length) await this.run(cmds.join(' && '));
    return cmds.length > 0;
  }

  async ensureFile(
    path: string,
    content: FileContent,
    opts: EnsureFileOptions = {},
  ): Promise<EnsureFileResult> {
    const local = await localSha256(content);
    const remote = await this.sha256(path);
    if (remote === local.sha256) {
      const changed = await this.ownerAndMode(path, opts, await this.stat(path));
      return { changed, sha256: local.sha256, bytesTransferred: 0 };
    }
    const dir = posix.dirname(path);
    const sudo = this.target.sudo === true;
    const rand = randomBytes(6).toString('hex');
    const beside = `${uploadTempPrefix(path)}${rand}`;
    const prefix = uploadTempPrefix(path, sudo ? await this.stagingDir() : undefined);
    const tmp = `${prefix}${rand}`;
    // An upload cut short (worker killed, connection lost, host powered off) leaves its temp
    // file; it is named after this target, so the next upload of it removes it.
    await this.run(`mkdir -p ${shq(dir)} && rm -f -- ${shq(uploadTempPrefix(path))}*`);
    if (sudo) await this.run(`rm -f -- ${shq(prefix)}*`, { sudo: false });
    try {
      await this.pool.use(this.target, (c) => c.upload(content, tmp, this.cancellation()));
      const written = await this.exec(`sha256sum ${shq(tmp)}`, { sudo: false });
      if (written.stdout.split(' ')[0] !== local.sha256) {
        throw new SshError(
          ErrorTypes.RemoteCommandFailed,
          `${this.name}: upload of ${path} arrived corrupted (sha256 differs)`,
        );
      }
      const mode = (opts.mode ?? 0o644).toString(8);
      // A sudo user's upload belongs to that user until we hand it to root (or the asked owner).
      const owner = opts.owner ?? (sudo ? 'root:root' : undefined);
      // A sudo user's staged copy is copied beside the target first (umask 077: never readable
      // by others), so the final rename is atomic there too.
      const place = sudo ? `umask 077 && cp -- ${shq(tmp)} ${shq(beside)} && ` : '';
      const final = sudo ? beside : tmp;
      const chown = owner ? ` && chown ${shq(owner)} ${shq(final)}` : '';
      await this.run(`${place}chmod ${mode} ${shq(final)}${chown} && mv -f ${shq(final)} ${shq(path)}`);
      if (sudo) await this.run(`rm -f -- ${shq(tmp)}`, { sudo: false });
    } catch (err) {
      // Best effort: with the connection or the host gone this fails too, and must not hide why
      // the upload failed (the next upload of this target removes the file).
      // Even after a cancel: nothing partial is left behind.
      await this.exec(`rm -f ${shq(tmp)} ${shq(beside)}`, { signal: null }).catch(() => undefined);
      throw err;
    }
    return { changed: true, sha256: local.sha256, bytesTransferred: local.size };
  }

  async ensureDir(path: string, opts: EnsureFileOptions = {}): Promise<{ changed: boolean }> {
    const current = await this.stat(path);
    if (current && !current.isDirectory)
      throw new SshError(ErrorTypes.RemoteCommandFailed, `${this.name}: ${path} exists and is not a folder`);
    if (!current) await this.run(`mkdir -p ${shq(path)}`);
    const fixed = await this.ownerAndMode(path, opts, current ?? (await this.stat(path)));
    return { changed: !current || fixed };
  }

  async ensureAbsent(path: string): Promise<{ changed: boolean }> {
    if (!(await this.stat(path))) return { changed: false };
    await this.run(`rm -rf -- ${shq(path)}`);
    return { changed: true };
  }
}
