// Where verified snapshots are kept, behind one interface: a folder on the worker's machine, a
// folder on another host over SFTP, or a bucket of S3-compatible object storage. A snapshot counts only when its metadata file exists,
// and the metadata is always written after the snapshot arrived whole (sha256 checked), so a
// copy cut off anywhere is never mistaken for a backup. Files are streamed, never held in memory.
import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { join, posix } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { META_SUFFIX, newestFirst, SNAPSHOT_SUFFIX, type SnapshotMeta } from '../../cluster/backup/snapshots';
import { ErrorTypes } from '../../cluster/errors';
import type { Cluster, HostSpec } from '../../cluster/spec';
import { parseCredentialsFile } from './sigv4';
import { sha256File } from '../bundle/files';
import type { HostProvider } from '../context';
import { expandPath } from '../ssh-hosts';
import { readText, type Host } from '../ssh';
import { shq } from '../ssh/shell';
import { S3Client } from './s3-client';

export interface SnapshotStore {
  /** Where it is, for people: `/var/backups/etcd` or `sftp://backup-1/srv/etcd`. */
  readonly where: string;
  /** Verified snapshots, newest first. */
  list(): Promise<SnapshotMeta[]>;
  /** One verified snapshot's metadata (undefined when it is not there). */
  find(id: string): Promise<SnapshotMeta | undefined>;
  /** Streams `file` from `member` into the store, checks it against `meta.sha256`, then writes `meta`. */
  put(member: Host, file: string, meta: SnapshotMeta): Promise<{ path: string; bytes: number }>;
  /** sha256 of the stored snapshot file, read as a stream (undefined when it is missing). */
  sha256(id: string): Promise<string | undefined>;
  /** Streams the stored snapshot to `member` at `path`, checked there against `sha256`. */
  copyTo(member: Host, id: string, sha256: string, path: string): Promise<{ bytes: number }>;
  /** Metadata first: a snapshot without it no longer counts, even if the delete is interrupted. */
  remove(id: string): Promise<void>;
}

const metadataText = (meta: SnapshotMeta) => `${JSON.stringify(meta, null, 2)}\n`;
const parseMetadata = (text: string | undefined) =>
  text === undefined ? undefined : (JSON.parse(text) as SnapshotMeta);

/** A scratch folder on the worker for a file passing between two hosts; always removed. */
async function viaScratch<T>(run: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'hakube-snapshot-'));
  try {
    return await run(join(dir, 'snapshot.db'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function localStore(dir: string): SnapshotStore {
  const db = (id: string) => join(dir, `${id}${SNAPSHOT_SUFFIX}`);
  const metaFile = (id: string) => join(dir, `${id}${META_SUFFIX}`);
  return {
    where: dir,
    async list() {
      const names = await readdir(dir).catch(() => [] as string[]);
      const metas = await Promise.all(
        names
          .filter((n) => n.endsWith(META_SUFFIX))
          .map(async (n) => parseMetadata(await readFile(join(dir, n), 'utf8')) as SnapshotMeta),
      );
      return newestFirst(metas);
    },
    find: async (id) => parseMetadata(await readFile(metaFile(id), 'utf8').catch(() => undefined)),
    async put(member, file, meta) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const stored = await this.find(meta.id);
      if (stored?.sha256 === meta.sha256) return { path: db(meta.id), bytes: 0 };
      // download() writes `<file>.partial` and renames it only once the sha256 matches.
      const { bytes } = await member.download(file, db(meta.id), meta.sha256);
      await writeFile(`${metaFile(meta.id)}.partial`, metadataText(meta), { mode: 0o600 });
      await rename(`${metaFile(meta.id)}.partial`, metaFile(meta.id));
      return { path: db(meta.id), bytes };
    },
    sha256: (id) => sha256File(db(id)).catch(() => undefined),
    async copyTo(member, id, sha256, path) {
      const r = await member.ensureFile(path, { localPath: db(id), sha256 }, { mode: 0o600 });
      return { bytes: r.bytesTransferred };
    },
    async remove(id) {
      await rm(metaFile(id), { force: true });
      await rm(db(id), { force: true });
    },
  };
}

/** A folder on `target`; files pass through a scratch folder on the worker, as a stream. */
export function sftpStore(target: Host, dir: string): SnapshotStore {
  const db = (id: string) => posix.join(dir, `${id}${SNAPSHOT_SUFFIX}`);
  const metaFile = (id: string) => posix.join(dir, `${id}${META_SUFFIX}`);
  return {
    where: `sftp://${target.name}${dir}`,
    async list() {
      const found = await target.exec(`find ${shq(dir)} -maxdepth 1 -type f -name '*${META_SUFFIX}'`);
      const files = found.stdout.split('\n').filter((l) => l.trim() !== '');
      const metas = await Promise.all(files.map(async (f) => parseMetadata(await readText(target, f))));
      return newestFirst(metas.filter((m) => m !== undefined));
    },
    find: async (id) => parseMetadata(await readText(target, metaFile(id))),
    async put(member, file, meta) {
      await target.ensureDir(dir, { mode: 0o700 });
      const stored = await this.find(meta.id);
      if (stored?.sha256 === meta.sha256)
        return { path: `${this.where}/${meta.id}${SNAPSHOT_SUFFIX}`, bytes: 0 };
      const bytes = await viaScratch(async (scratch) => {
        await member.download(file, scratch, meta.sha256);
        return (
          await target.ensureFile(db(meta.id), { localPath: scratch, sha256: meta.sha256 }, { mode: 0o600 })
        ).bytesTransferred;
      });
      // ensureFile writes a temp name and renames: the metadata appears whole or not at all.
      await target.ensureFile(metaFile(meta.id), Buffer.from(metadataText(meta)), { mode: 0o600 });
      return { path: `${this.where}/${meta.id}${SNAPSHOT_SUFFIX}`, bytes };
    },
    sha256: (id) => target.sha256(db(id)),
    copyTo(member, id, sha256, path) {
      return viaScratch(async (scratch) => {
        await target.download(db(id), scratch, sha256);
        const r = await member.ensureFile(path, { localPath: scratch, sha256 }, { mode: 0o600 });
        return { bytes: r.bytesTransferred };
      });
    },
    async remove(id) {
      await target.run(`rm -f -- ${shq(metaFile(id))} && rm -f -- ${shq(db(id))}`);
    },
  };
}

/** Objects `<prefix><id>.db` and `<prefix><id>.json` in a bucket; files pass through a scratch folder. */
export function s3Store(s3: S3Client, prefix: string): SnapshotStore {
  const db = (id: string) => `${prefix}${id}${SNAPSHOT_SUFFIX}`;
  const metaKey = (id: string) => `${prefix}${id}${META_SUFFIX}`;
  return {
    where: s3.describe(prefix),
    async list() {
      // Only this prefix's own objects: a deeper "folder" is another store.
      const keys = (await s3.listKeys(prefix)).filter(
        (k) => k.endsWith(META_SUFFIX) && !k.slice(prefix.length).includes('/'),
      );
      const metas = await Promise.all(keys.map(async (k) => parseMetadata(await s3.getText(k))));
      return newestFirst(metas.filter((m) => m !== undefined));
    },
    find: async (id) => parseMetadata(await s3.getText(metaKey(id))),
    async put(member, file, meta) {
      const stored = await this.find(meta.id);
      if (stored?.sha256 === meta.sha256) return { path: s3.describe(db(meta.id)), bytes: 0 };
      const bytes = await viaScratch(async (scratch) => {
        await member.download(file, scratch, meta.sha256);
        // The store checks the body against the sha256 it is signed with; an object appears whole or not at all.
        return s3.putFile(db(meta.id), scratch, meta.sha256);
      });
      await s3.putBytes(metaKey(meta.id), Buffer.from(metadataText(meta)));
      return { path: s3.describe(db(meta.id)), bytes };
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
    copyTo(member, id, sha256, path) {
      return viaScratch(async (scratch) => {
        if ((await s3.getTo(db(id), createWriteStream(scratch, { mode: 0o600 }))) === undefined)
          throw new Error(`${s3.describe(db(id))} is gone`);
        const got = await sha256File(scratch);
        if (got !== sha256)
          throw new Error(`${s3.describe(db(id))} arrived with sha256 ${got}, expected ${sha256}`);
        const r = await member.ensureFile(path, { localPath: scratch, sha256 }, { mode: 0o600 });
        return { bytes: r.bytesTransferred };
      });
    },
    async remove(id) {
      await s3.delete(metaKey(id));
      await s3.delete(db(id));
    },
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

/** The store of `cluster.spec.etcd.backup.target`. */
export function storeFor(cluster: Cluster, hosts: HostProvider): SnapshotStore {
  const target = cluster.spec.etcd.backup?.target;
  if (!target)
    throw ApplicationFailure.create({
      type: ErrorTypes.ConfigInvalid,
      message: 'spec.etcd.backup.target is not set: say where snapshots go',
      nonRetryable: true,
    });
  switch (target.type) {
    case 'local':
      return localStore(target.path);
    case 'sftp':
      return sftpStore(hosts.hostFor(cluster, sftpTargetHost(cluster, target)), target.path);
    case 's3': {
      const s3 = new S3Client(target, s3Credentials(target.credentialsFile));
      const prefix = target.prefix && !target.prefix.endsWith('/') ? `${target.prefix}/` : target.prefix;
      return s3Store(s3, prefix);
    }
  }
}
