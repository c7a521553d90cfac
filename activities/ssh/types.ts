// The one interface every activity uses to touch a host (DESIGN: "SSH behind one interface"):
// unit tests pass a fake, workers pass SSH hosts from the pool.

export interface ExecOptions {
  timeoutMs?: number;
  /** Run through `sudo -n` (the target's default when it logs in as a non-root user with sudo). */
  sudo?: boolean;
  env?: Record<string, string>;
  stdin?: string | Buffer;
  /** Streaming output, e.g. into activity heartbeats. */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /**
   * Aborting kills the remote command (its whole process group). Default: the host's own
   * cancellation (the running activity's); null runs it even then (clean-up after a cancel).
   */
  signal?: AbortSignal | null;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RemoteStat {
  size: number;
  mode: number;
  uid: number;
  gid: number;
  isDirectory: boolean;
}

export interface EnsureFileOptions {
  mode?: number;
  /** user or user:group */
  owner?: string;
}

export interface EnsureFileResult {
  changed: boolean;
  sha256: string;
  bytesTransferred: number;
}

/**
 * What ensureFile places: bytes, or a local file. A known `sha256` of the local file (from a
 * verified bundle manifest, say) saves hashing it again; the upload is checked on the host
 * against it either way.
 */
export interface DownloadResult {
  bytes: number;
  sha256: string;
}

export type FileContent = Buffer | { localPath: string; sha256?: string };

export interface Host {
  readonly name: string;
  readonly address: string;
  /** Never throws on a non-zero exit. */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Throws RemoteCommandFailed on a non-zero exit. */
  run(command: string, opts?: ExecOptions): Promise<ExecResult>;
  readFile(path: string): Promise<Buffer | undefined>;
  stat(path: string): Promise<RemoteStat | undefined>;
  sha256(path: string): Promise<string | undefined>;
  /** Compares sha256 first; transfers only when different (temp file + atomic rename). */
  ensureFile(path: string, content: FileContent, opts?: EnsureFileOptions): Promise<EnsureFileResult>;
  /**
   * Copies a remote file to a local path, streamed: written to `<localPath>.partial`, checked
   * against the remote sha256 when `expectSha256` is given, then renamed into place.
   */
  download(remotePath: string, localPath: string, expectSha256?: string): Promise<DownloadResult>;
  /**
   * Streams a remote file into `sink` (ended when the file is), never to a file of its own;
   * rejects after the last byte when `expectSha256` is given and the bytes hash otherwise, so
   * whatever the sink made of them must be thrown away then.
   */
  downloadInto(
    remotePath: string,
    sink: NodeJS.WritableStream,
    expectSha256?: string,
  ): Promise<DownloadResult>;
  ensureDir(path: string, opts?: EnsureFileOptions): Promise<{ changed: boolean }>;
  ensureAbsent(path: string): Promise<{ changed: boolean }>;
}

/** How hakube proves who it is: a key file (maybe passphrase-protected), an ssh-agent, or both. */
export interface SshCredentials {
  privateKeyPath?: string;
  /** A file whose first line is the key's passphrase (read when connecting, never logged). */
  passphraseFile?: string;
  /**
   * Use an ssh-agent: its socket (the worker's SSH_AUTH_SOCK when the spec was turned into a
   * target), or an empty string when the spec asks for one and the worker has none.
   */
  agentSocket?: string;
}

export interface BastionTarget extends SshCredentials {
  address: string;
  port: number;
  user: string;
}

export interface SshTarget extends SshCredentials {
  name: string;
  address: string;
  port: number;
  user: string;
  sudo?: boolean;
  knownHostsPath: string;
  hostKeyPolicy: 'strict' | 'trust-on-first-use';
  bastion?: BastionTarget;
  connectTimeoutMs?: number;
}
