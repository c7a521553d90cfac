// An in-memory Host for unit tests of activities that only read and write files.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BIN_DIR } from '../../cluster/layout';
import type {
  DownloadResult,
  EnsureFileOptions,
  EnsureFileResult,
  ExecResult,
  FileContent,
  Host,
  RemoteStat,
} from '../../activities/ssh';

interface Entry {
  content?: Buffer;
  mode: number;
  owner?: string;
  dir: boolean;
}

export class FakeHost implements Host {
  readonly files = new Map<string, Entry>();
  /** Every command asked of this host, in order. */
  readonly commands: string[] = [];
  writes = 0;

  constructor(
    readonly name: string,
    readonly address = '10.0.0.1',
  ) {}

  /** Every `kubectl apply` asked of this host: with which kubeconfig, what manifest. */
  readonly applied: { kubeconfig: string; manifest: string }[] = [];
  /** How `kubectl apply` answers: refused (no apiserver yet) unless a test says otherwise. */
  kubectlExitCode = 1;
  /** What an installed kubelet says to `--version` (the version guard of ensureBinaries); none by default. */
  kubeletVersion?: string;

  /**
   * Understands only `find <dirs> -maxdepth 1 -type f -name '*.ext'` (file listings), `rm -f
   * '<file>'...`, `kubectl --kubeconfig=F ... apply ... -f -` (recorded; see kubectlExitCode) and
   * ensureBinaries' installed-version probe (see kubeletVersion).
   */
  async exec(command: string, opts: { stdin?: string | Buffer } = {}): Promise<ExecResult> {
    this.commands.push(command);
    const kubectl = /\/kubectl --kubeconfig=(\S+) .*\bapply\b.* -f -$/.exec(command);
    if (kubectl) {
      this.applied.push({ kubeconfig: kubectl[1], manifest: String(opts.stdin ?? '') });
      const refused = this.kubectlExitCode !== 0;
      return {
        exitCode: this.kubectlExitCode,
        stdout: '',
        stderr: refused ? 'The connection to the server 10.0.0.10:16443 was refused' : '',
      };
    }
    if (command.startsWith(`if [ -x ${BIN_DIR}/kubelet ]; then printf 'B kubelet`))
      return {
        exitCode: 0,
        stdout: this.kubeletVersion ? `B kubelet Kubernetes ${this.kubeletVersion}\n` : '',
        stderr: '',
      };
    const rm = /^rm -f (?:-- )?((?:'[^']*' ?)+)$/.exec(command);
    if (rm) {
      for (const [, path] of rm[1].matchAll(/'([^']*)'/g)) this.files.delete(path);
      return { exitCode: 0, stdout: '', stderr: '' };
    }
    const finds = [...command.matchAll(/find ((?:\/\S+ )+)-maxdepth 1 -type f -name '\*(\.\w+)'/g)];
    if (finds.length === 0) throw new Error(`FakeHost ${this.name} cannot run: ${command}`);
    const found = finds.flatMap(([, dirs, ext]) =>
      [...this.files.entries()]
        .filter(
          ([path, e]) => !e.dir && path.endsWith(ext) && dirs.trim().split(' ').includes(posix.dirname(path)),
        )
        .map(([path]) => path),
    );
    return { exitCode: 0, stdout: found.map((p) => `${p}\n`).join(''), stderr: '' };
  }

  run(command: string, opts?: { stdin?: string | Buffer }): Promise<ExecResult> {
    return this.exec(command, opts);
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    return this.files.get(path)?.content;
  }

  async stat(path: string): Promise<RemoteStat | undefined> {
    const e = this.files.get(path);
    // Only root and one other user exist here.
    const uid = e?.owner === undefined || e.owner.startsWith('root') ? 0 : 1000;
    return e && { size: e.content?.length ?? 0, mode: e.mode, uid, gid: uid, isDirectory: e.dir };
  }

  async download(remotePath: string, localPath: string): Promise<DownloadResult> {
    const c = this.files.get(remotePath)?.content;
    if (!c) throw new Error(`FakeHost ${this.name}: no file ${remotePath}`);
    writeFileSync(localPath, c);
    return { bytes: c.length, sha256: createHash('sha256').update(c).digest('hex') };
  }

  async downloadInto(
    remotePath: string,
    sink: NodeJS.WritableStream,
    expectSha256?: string,
  ): Promise<DownloadResult> {
    const c = this.files.get(remotePath)?.content;
    if (!c) throw new Error(`FakeHost ${this.name}: no file ${remotePath}`);
    await pipeline(Readable.from([c]), sink);
    const sha256 = createHash('sha256').update(c).digest('hex');
    if (expectSha256 && sha256 !== expectSha256)
      throw new Error(`FakeHost ${this.name}: ${remotePath} differs`);
    return { bytes: c.length, sha256 };
  }

  async sha256(path: string): Promise<string | undefined> {
    const c = this.files.get(path)?.content;
    return c && createHash('sha256').update(c).digest('hex');
  }

  async ensureFile(
    path: string,
    content: FileContent,
    opts: EnsureFileOptions = {},
  ): Promise<EnsureFileResult> {
    const data = Buffer.isBuffer(content) ? content : readFileSync(content.localPath);
    const sha256 = createHash('sha256').update(data).digest('hex');
    const current = this.files.get(path);
    if (current?.content?.equals(data)) {
      // Same bytes: only mode and owner may need a fix, and nothing is transferred.
      const mode = opts.mode ?? current.mode;
      const owner = opts.owner ?? current.owner;
      const changed = mode !== current.mode || owner !== current.owner;
      this.files.set(path, { ...current, mode, owner });
      return { changed, sha256, bytesTransferred: 0 };
    }
    this.ensureParents(path);
    this.files.set(path, { content: data, mode: opts.mode ?? 0o644, owner: opts.owner, dir: false });
    this.writes++;
    return { changed: true, sha256, bytesTransferred: data.length };
  }

  private ensureParents(path: string): void {
    for (let p = posix.dirname(path); p !== '/' && !this.files.has(p); p = posix.dirname(p))
      this.files.set(p, { mode: 0o755, dir: true });
  }

  async ensureDir(path: string, opts: EnsureFileOptions = {}): Promise<{ changed: boolean }> {
    if (this.files.get(path)?.dir) return { changed: false };
    for (let p = path; p !== '/' && !this.files.has(p); p = posix.dirname(p))
      this.files.set(p, { mode: opts.mode ?? 0o755, dir: true });
    return { changed: true };
  }

  async ensureAbsent(path: string): Promise<{ changed: boolean }> {
    return { changed: this.files.delete(path) };
  }

  text(path: string): string {
    const c = this.files.get(path)?.content;
    if (!c) throw new Error(`${this.name}: no ${path}`);
    return c.toString('utf8');
  }
}
