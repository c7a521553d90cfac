// Where verified snapshots are kept, behind one interface: a folder on the worker's machine, a
// folder on another host over SFTP, or a bucket of S3-compatible object storage. A snapshot
// counts only when its metadata file exists, and the metadata is always written after the
// snapshot arrived whole (sha256 checked), so a copy cut off anywhere is never mistaken for a
// backup. Metadata is signed and read back like user input (verifiedStore). Files are streamed,
// never held in memory.
import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { PassThrough, Writable } from 'node:stream';
import { join, posix } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { META_SUFFIX, newestFirst, SNAPSHOT_SUFFIX, type SnapshotMeta } from '../../cluster/backup/snapshots';
import {
  isSnapshotId,
  readSnapshotMeta,
  unsigned,
  type MetaReading,
  type StoredSnapshotMeta,
} from '../../cluster/backup/snapshot-meta';
import { metadataSigner, type MetadataSigner } from './metadata-signature';
import { snapshotCipher, type SnapshotCipher } from './snapshot-encryption';
import { ErrorTypes } from '../../cluster/errors';
import type { Cluster, HostSpec } from '../../cluster/spec';
import { sha256File } from '../bundle/files';
import { cancellationSignal, type HostProvider } from '../context';
import { expandPath } from '../ssh-hosts';
import { readText, type Host } from '../ssh';
import { shq } from '../ssh/shell';
import { parseCredentialsFile, S3Bucket } from './s3-client';

export interface SnapshotStore {
  /** Where it is, for people: `/var/backups/etcd` or `sftp://backup-1/srv/etcd`. */
  readonly where: string;
  /** This cluster's verified, signed snapshots, newest first (what retention counts). */
  list(): Promise<SnapshotMeta[]>;
  /** This cluster's signed snapshots, and every metadata file that claims to be one but is refused, and why. */
  inspect(): Promise<StoreContents>;
  /**
   * One snapshot's checked metadata (undefined when it is not there). Throws SnapshotTampered for
   * metadata that is malformed, edited or signed by another key, SnapshotUnsigned for unsigned
   * metadata unless `allowUnsigned`.
   */
  find(id: string, opts?: { allowUnsigned?: boolean }): Promise<StoredSnapshotMeta | undefined>;
  /**
   * Streams `file` from `member` through the encrypter (checked against `meta.sha256` on the
   * way; no plaintext file on the worker), stores the ciphertext, then writes `meta` with its
   * encryption, signed.
   */
  put(member: Host, file: string, meta: SnapshotMeta): Promise<{ path: string; bytes: number }>;
  /** sha256 of the stored file (the ciphertext when encrypted), read as a stream; undefined when missing. */
  storedSha256(id: string): Promise<string | undefined>;
  /**
   * The stored snapshot, decrypted on the worker into its private scratch folder, checked against
   * `meta.sha256`, and uploaded to `member` at `path` (a restore: the plaintext rests on the
   * worker for as long as the upload takes).
   */
  copyTo(member: Host, meta: SnapshotMeta, path: string): Promise<{ bytes: number }>;
  /** Metadata first: a snapshot without it no longer counts, even if the delete is interrupted. */
  remove(id: string): Promise<void>;
}

export interface StoreContents {
  snapshots: StoredSnapshotMeta[];
  refused: { id: string; why: string }[];
}

/**
 * One place snapshots are kept (a folder, an SFTP folder, a bucket), reached by snapshot id
 * only. It trusts nothing and checks nothing: verifiedStore does, and hands it checked ids.
 */
export interface SnapshotBackend {
  readonly where: string;
  /** Names (without the suffix) of the metadata files directly in the store. */
  metadataNames(): Promise<string[]>;
  readMetadata(id: string): Promise<string | undefined>;
  writeMetadata(id: string, text: string): Promise<void>;
  /** Stores the worker's `localFile` (whose sha256 is `sha256`) as the snapshot `id`, whole or not at all. */
  storeFile(localFile: string, id: string, sha256: string): Promise<{ path: string; bytes: number }>;
  sha256(id: string): Promise<string | undefined>;
  /** Copies the stored snapshot `id` to the worker's `localFile`, checked against `sha256`. */
  fetchFile(id: string, localFile: string, sha256: string): Promise<void>;
  removeMetadata(id: string): Promise<void>;
  removeSnapshot(id: string): Promise<void>;
}

/** `id`, when it is a snapshot id: nothing else ever names a file or an object. */
function checkedId(id: string): string {
  if (!isSnapshotId(id)) throw new Error(`${JSON.stringify(id)} is not a snapshot id`);
  return id;
}

/** Every backend builds paths and keys through this. */
const fileOf = (id: string, suffix: string) => `${checkedId(id)}${suffix}`;

const metadataText = (meta: StoredSnapshotMeta) => `${JSON.stringify(meta, null, 2)}\n`;

function tampered(where: string, id: string, why: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorTypes.SnapshotTampered,
    message: `${where}: the metadata of ${id} is refused: ${why}`,
    nonRetryable: true,
  });
}

/**
 * The store as hakube uses it: metadata read back like user input (cluster/backup/snapshot-meta.ts),
 * written signed and accepted only with this machine's signature (metadata-signature.ts), and
 * only `cluster`'s own snapshots listed or deleted, so clusters sharing a folder or a prefix
 * never touch each other's.
 */
export function verifiedStore(
  backend: SnapshotBackend,
  cluster: string,
  signer: MetadataSigner,
  cipher: SnapshotCipher,
): SnapshotStore {
  const where = backend.where;
  /** The checked metadata under `name`, or why it is refused; undefined when it is another cluster's. */
  const check = (name: string, text: string): MetaReading | undefined => {
    const reading = readSnapshotMeta(text);
    if (!reading.ok) return reading;
    if (reading.meta.cluster !== cluster) return undefined;
    if (reading.meta.id !== name)
      return { ok: false, why: `stored as ${name} but says id ${reading.meta.id}` };
    const problem = signer.problem(reading.meta);
    return problem ? { ok: false, why: problem } : reading;
  };
  return {
    where,
    async inspect() {
      const names = await backend.metadataNames();
      const contents: StoreContents = { snapshots: [], refused: [] };
      await Promise.all(
        names.map(async (name) => {
          if (!isSnapshotId(name)) return; // not a snapshot's metadata: not ours to judge
          const text = await backend.readMetadata(name);
          if (text === undefined) return; // deleted meanwhile
          const reading = check(name, text);
          if (reading === undefined) return; // another cluster's
          if (reading.ok) contents.snapshots.push(reading.meta);
          else contents.refused.push({ id: name, why: reading.why });
        }),
      );
      contents.snapshots = newestFirst(contents.snapshots);
      contents.refused.sort((a, b) => a.id.localeCompare(b.id));
      return contents;
    },
    async list() {
      return (await this.inspect()).snapshots.map(unsigned);
    },
    async find(id, opts = {}) {
      if (!isSnapshotId(id))
        throw ApplicationFailure.create({
          type: ErrorTypes.SnapshotNotFound,
          message: `${JSON.stringify(id)} is not a snapshot id (see hakube backup list)`,
          nonRetryable: true,
        });
      const text = await backend.readMetadata(id);
      if (text === undefined) return undefined;
      const reading = readSnapshotMeta(text);
      if (!reading.ok) throw tampered(where, id, reading.why);
      if (reading.meta.id !== id) throw tampered(where, id, `it says id ${reading.meta.id}`);
      if (reading.meta.cluster !== cluster)
        throw tampered(where, id, `it is cluster ${reading.meta.cluster}'s, not ${cluster}'s`);
      const problem = signer.problem(reading.meta);
      if (problem === 'unsigned') {
        if (opts.allowUnsigned) return reading.meta;
        throw ApplicationFailure.create({
          type: ErrorTypes.SnapshotUnsigned,
          message: `${where}: ${id} has unsigned metadata (written before hakube signed it, or planted); restore it only if you trust it, with --allow-unsigned`,
          nonRetryable: true,
        });
      }
      if (problem) throw tampered(where, id, problem);
      return reading.meta;
    },
    async put(member, file, meta) {
      const text = await backend.readMetadata(checkedId(meta.id));
      const stored = text === undefined ? undefined : check(meta.id, text);
      // Already stored whole by an earlier attempt: its signed metadata is only ever written last.
      if (stored?.ok && stored.meta.sha256 === meta.sha256)
        return { path: `${where}/${fileOf(meta.id, SNAPSHOT_SUFFIX)}`, bytes: 0 };
      return viaScratch(async (scratch) => {
        const sealed = join(scratch, 'snapshot.db.age');
        // Straight from the member into the encrypter: the plaintext rests only on the member
        // (where etcd's data directory holds the same). A download that fails, or hashes other
        // than the member's sha256, fails both, and the sealed file goes with the scratch folder.
        const plain = new PassThrough();
        const [, encrypted] = await Promise.all([
          member.downloadInto(file, plain, meta.sha256),
          cipher.encryptStream(plain, sealed),
        ]);
        const result = await backend.storeFile(sealed, meta.id, encrypted.sha256);
        const encryption = { format: 'age' as const, recipient: await cipher.recipient(), ...encrypted };
        await backend.writeMetadata(meta.id, metadataText(signer.sign({ ...meta, encryption })));
        return result;
      });
    },
    storedSha256: (id) => backend.sha256(checkedId(id)),
    copyTo(member, meta, path) {
      return viaScratch(async (scratch) => {
        const fetched = join(scratch, 'stored');
        const plain = join(scratch, 'snapshot.db');
        const e = meta.encryption;
        await backend.fetchFile(checkedId(meta.id), fetched, e?.sha256 ?? meta.sha256);
        if (e) {
          await cipher.decrypt(fetched, plain, e.recipient);
          await rm(fetched, { force: true });
          await requireSha256(
            plain,
            meta.sha256,
            (got) => `${where}: ${meta.id} decrypts to sha256 ${got}, its metadata says ${meta.sha256}`,
          );
        }
        const r = await member.ensureFile(
          path,
          { localPath: e ? plain : fetched, sha256: meta.sha256 },
          { mode: 0o600 },
        );
        return { bytes: r.bytesTransferred };
      });
    },
    async remove(id) {
      await backend.removeMetadata(checkedId(id));
      await backend.removeSnapshot(id);
    },
  };
}

/** A private scratch folder (0700) on the worker for a snapshot on its way; always removed. */
async function viaScratch<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'hakube-snapshot-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A local file checked against `sha256`; `mismatch` says what went wrong (SnapshotCorrupted). */
async function requireSha256(file: string, sha256: string, mismatch: (got: string) => string): Promise<void> {
  const got = await sha256File(file);
  if (got !== sha256)
    throw ApplicationFailure.create({
      type: ErrorTypes.SnapshotCorrupted,
      message: mismatch(got),
      nonRetryable: true,
    });
}

/** Copies a local file, then checks it against `sha256`. */
async function copyChecked(from: string, to: string, sha256: string, what: string): Promise<void> {
  await copyFile(from, to);
  await requireSha256(to, sha256, (got) => `${what} has sha256 ${got}, expected ${sha256}`);
}

const namesOf = (files: string[]) =>
  files.filter((f) => f.endsWith(META_SUFFIX)).map((f) => f.slice(0, -META_SUFFIX.length));

/** A folder on the worker's machine. */
export function localBackend(dir: string): SnapshotBackend {
  const db = (id: string) => join(dir, fileOf(id, SNAPSHOT_SUFFIX));
  const metaFile = (id: string) => join(dir, fileOf(id, META_SUFFIX));
  return {
    where: dir,
    metadataNames: async () => namesOf(await readdir(dir).catch(() => [] as string[])),
    readMetadata: (id) => readFile(metaFile(id), 'utf8').catch(() => undefined),
    async writeMetadata(id, text) {
      await writeFile(`${metaFile(id)}.partial`, text, { mode: 0o600 });
      await rename(`${metaFile(id)}.partial`, metaFile(id));
    },
    async storeFile(localFile, id, sha256) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      // A temp name, checked, then renamed: the snapshot appears whole or not at all.
      const partial = `${db(id)}.partial`;
      await copyChecked(localFile, partial, sha256, partial);
      await rename(partial, db(id));
      return { path: db(id), bytes: (await stat(db(id))).size };
    },
    sha256: (id) => sha256File(db(id)).catch(() => undefined),
    fetchFile: (id, localFile, sha256) => copyChecked(db(id), localFile, sha256, db(id)),
    removeMetadata: (id) => rm(metaFile(id), { force: true }),
    removeSnapshot: (id) => rm(db(id), { force: true }),
  };
}

/** A folder on `target`; files pass through a scratch folder on the worker, as a stream. */
export function sftpBackend(target: Host, dir: string): SnapshotBackend {
  const db = (id: string) => posix.join(dir, fileOf(id, SNAPSHOT_SUFFIX));
  const metaFile = (id: string) => posix.join(dir, fileOf(id, META_SUFFIX));
  const where = `sftp://${target.name}${dir}`;
  return {
    where,
    async metadataNames() {
      const found = await target.exec(`find ${shq(dir)} -maxdepth 1 -type f -name '*${META_SUFFIX}'`);
      return namesOf(found.stdout.split('\n').map((l) => posix.basename(l.trim())));
    },
    readMetadata: (id) => readText(target, metaFile(id)),
    // ensureFile writes a temp name and renames: the metadata appears whole or not at all.
    writeMetadata: async (id, text) => {
      await target.ensureFile(metaFile(id), Buffer.from(text), { mode: 0o600 });
    },
    async storeFile(localFile, id, sha256) {
      await target.ensureDir(dir, { mode: 0o700 });
      // ensureFile writes a temp name, checks the sha256 there, then renames.
      const r = await target.ensureFile(db(id), { localPath: localFile, sha256 }, { mode: 0o600 });
      return { path: `${where}/${fileOf(id, SNAPSHOT_SUFFIX)}`, bytes: r.bytesTransferred };
    },
    sha256: (id) => target.sha256(db(id)),
    async fetchFile(id, localFile, sha256) {
      await target.download(db(id), localFile, sha256);
    },
    removeMetadata: async (id) => {
      await target.run(`rm -f -- ${shq(metaFile(id))}`);
    },
    removeSnapshot: async (id) => {
      await target.run(`rm -f -- ${shq(db(id))}`);
    },
  };
}

/** Objects `<prefix><id>.db` and `<prefix><id>.json` in a bucket; files pass through a scratch folder. */
export function s3Backend(s3: S3Bucket, prefix: string): SnapshotBackend {
  const db = (id: string) => `${prefix}${fileOf(id, SNAPSHOT_SUFFIX)}`;
  const metaKey = (id: string) => `${prefix}${fileOf(id, META_SUFFIX)}`;
  return {
    where: s3.describe(prefix),
    async metadataNames() {
      // Only this prefix's own objects: a deeper "folder" is another store.
      const keys = (await s3.listKeys(prefix))
        .map((k) => k.slice(prefix.length))
        .filter((k) => !k.includes('/'));
      return namesOf(keys);
    },
    readMetadata: (id) => s3.getText(metaKey(id)),
    writeMetadata: (id, text) => s3.putBytes(metaKey(id), Buffer.from(text)),
    async storeFile(localFile, id, sha256) {
      // A multipart upload checked against the file's sha256 as it is read, each part signed with
      // its own; an object appears whole or not at all (a failed upload is aborted).
      return { path: s3.describe(db(id)), bytes: await s3.putFile(db(id), localFile, sha256) };
    },
    async sha256(id) {
      const hash = createHash('sha256');
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          done();
        },
      });
      return (await s3.getTo(db(id), sink)) === undefined ? undefined : hash.digest('hex');
    },
    async fetchFile(id, localFile, sha256) {
      if ((await s3.getTo(db(id), createWriteStream(localFile, { mode: 0o600 }))) === undefined)
        throw new Error(`${s3.describe(db(id))} is gone`);
      await requireSha256(
        localFile,
        sha256,
        (got) => `${s3.describe(db(id))} arrived with sha256 ${got}, expected ${sha256}`,
      );
    },
    removeMetadata: (id) => s3.delete(metaKey(id)),
    removeSnapshot: (id) => s3.delete(db(id)),
  };
}

function s3Credentials(file: string) {
  const path = expandPath(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw ApplicationFailure.create({
      type: ErrorTypes.ConfigInvalid,
      message: `S3 credentials file ${path}: ${(err as Error).message}`,
      nonRetryable: true,
    });
  }
  const creds = parseCredentialsFile(text);
  if (!creds)
    throw ApplicationFailure.create({
      type: ErrorTypes.ConfigInvalid,
      message: `S3 credentials file ${path}: no aws_access_key_id / aws_secret_access_key`,
      nonRetryable: true,
    });
  return creds;
}

/** The SFTP target host: a host of the spec (by name or address), or any address reached with the spec's SSH settings. */
export function sftpTargetHost(cluster: Cluster, target: { host: string; ssh?: HostSpec['ssh'] }): HostSpec {
  const known = cluster.spec.hosts.find((h) => h.name === target.host || h.address === target.host);
  if (known) return { ...known, ssh: { ...known.ssh, ...target.ssh } };
  // Not a member of the cluster: no roles, only an address to reach.
  return { name: target.host, address: target.host, roles: [], ssh: target.ssh };
}

/** The store of `cluster.spec.etcd.backup.target`, signing and checking with `signer`. */
export function storeFor(
  cluster: Cluster,
  hosts: HostProvider,
  signer: MetadataSigner = metadataSigner(),
  cipher: SnapshotCipher = snapshotCipher(),
): SnapshotStore {
  return verifiedStore(backendFor(cluster, hosts), cluster.metadata.name, signer, cipher);
}

function backendFor(cluster: Cluster, hosts: HostProvider): SnapshotBackend {
  const target = cluster.spec.etcd.backup?.target;
  if (!target)
    throw ApplicationFailure.create({
      type: ErrorTypes.ConfigInvalid,
      message: 'spec.etcd.backup.target is not set: say where snapshots go',
      nonRetryable: true,
    });
  switch (target.type) {
    case 'local':
      return localBackend(expandPath(target.path));
    case 'sftp':
      return sftpBackend(hosts.hostFor(cluster, sftpTargetHost(cluster, target)), target.path);
    case 's3': {
      if (target.endpoint.startsWith('http://') && target.allowInsecureHttp !== true)
        throw ApplicationFailure.create({
          type: ErrorTypes.ConfigInvalid,
          message: `spec.etcd.backup.target.endpoint ${target.endpoint} is plain http: use https, or set allowInsecureHttp: true`,
          nonRetryable: true,
        });
      // The activity's cancellation (delivered to an activity that heartbeats, or on worker
      // shutdown) stops the calls in flight and aborts an upload.
      const s3 = new S3Bucket(target, s3Credentials(target.credentialsFile), {
        signal: cancellationSignal(),
      });
      const prefix = target.prefix && !target.prefix.endsWith('/') ? `${target.prefix}/` : target.prefix;
      return s3Backend(s3, prefix);
    }
  }
}

/** A folder on this machine as `cluster`'s store, with this machine's signing key (tests, benchmarks). */
export function localStore(
  dir: string,
  cluster: string,
  signer = metadataSigner(),
  cipher = snapshotCipher(),
): SnapshotStore {
  return verifiedStore(localBackend(dir), cluster, signer, cipher);
}
