// etcd backup steps. A snapshot is taken on a member into a file named after the backup run
// (so a retried step reuses it instead of taking another), verified with `etcdutl snapshot
// status`, streamed to the backup target next to its metadata, and only then counted: a
// snapshot without metadata is never a valid backup, and retention runs last.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import {
  META_SUFFIX,
  parseEndpointStatus,
  parseSnapshotStatus,
  retentionPlan,
  SNAPSHOT_SUFFIX,
  snapshotId,
  type MemberStatus,
  type SnapshotMeta,
} from '../../cluster/backup/snapshots';
import { ErrorTypes } from '../../cluster/errors';
import { etcdctl } from '../../cluster/etcdctl';
import { BIN_DIR } from '../../cluster/layout';
import type { Cluster } from '../../cluster/spec';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { shq } from '../ssh/shell';

/** Where members keep a snapshot until it is stored (one file per backup run). */
export const HOST_SNAPSHOT_DIR = '/var/lib/hakube/snapshots';

export interface SnapshotInput extends HostInput {
  /** The backup run's tag (its workflow id): names the file on the member. */
  tag: string;
}

type LocalTarget = { type: 'local'; path: string };

/** The target folder on the worker's machine; other targets are refused until supported. */
export function localTarget(cluster: Cluster): LocalTarget {
  const target = cluster.spec.etcd.backup?.target;
  if (!target)
    throw ApplicationFailure.create({
      type: ErrorTypes.ConfigInvalid,
      message: 'spec.etcd.backup.target is not set: say where snapshots go',
      nonRetryable: true,
    });
  if (target.type !== 'local')
    throw ApplicationFailure.create({
      type: ErrorTypes.BackupTargetUnsupported,
      message: `backup target type ${target.type} is not supported by this release (use type: local)`,
      nonRetryable: true,
    });
  return target;
}

/** Verified snapshots in a local target, newest first (metadata present = verified and complete). */
export async function listLocalSnapshots(dir: string): Promise<SnapshotMeta[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const metas = await Promise.all(
    names
      .filter((n) => n.endsWith(META_SUFFIX))
      .map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as SnapshotMeta),
  );
  return metas.sort((a, b) => b.takenAt.localeCompare(a.takenAt));
}

const hostFile = (tag: string) =>
  `${HOST_SNAPSHOT_DIR}/${tag.replace(/[^A-Za-z0-9_.-]/g, '_')}${SNAPSHOT_SUFFIX}`;

export function createBackupActivities(deps: { hosts: HostProvider }) {
  return {
    /** Status of every member, as this member's etcdctl sees the cluster. */
    async etcdMemberStatus(input: HostInput): Promise<MemberStatus[]> {
      const { host } = resolveHost(deps.hosts, input);
      const r = await host.exec(etcdctl('https://127.0.0.1:2379', 'endpoint status --cluster -w json'));
      if (r.exitCode !== 0)
        throw ApplicationFailure.create({
          type: ErrorTypes.EtcdUnhealthy,
          message: `${input.host}: endpoint status failed: ${r.stderr.trim()}`,
        });
      return parseEndpointStatus(r.stdout);
    },

    async takeEtcdSnapshot(input: SnapshotInput): Promise<SnapshotMeta> {
      const { host } = resolveHost(deps.hosts, input);
      const file = hostFile(input.tag);
      await host.ensureDir(HOST_SNAPSHOT_DIR, { mode: 0o700 });
      const status = async () => host.exec(`${BIN_DIR}/etcdutl snapshot status -w json ${shq(file)}`);
      let s = await status();
      if (s.exitCode !== 0) {
        // Not there or not whole (a crash mid-save): take it again; etcdctl writes a temp file and renames.
        await host.run(`rm -f ${shq(file)} ${shq(`${file}.part`)}`);
        await host.run(etcdctl('https://127.0.0.1:2379', `snapshot save ${shq(file)}`));
        s = await status();
      }
      if (s.exitCode !== 0)
        throw ApplicationFailure.create({
          type: ErrorTypes.SnapshotInvalid,
          message: `${input.host}: the snapshot does not verify: ${s.stderr.trim()}`,
        });
      const st = parseSnapshotStatus(s.stdout);
      // Milliseconds: retention orders snapshots by this time, and runs can be a second apart.
      const takenAt = new Date(Number((await host.run(`stat -c %.3Y ${shq(file)}`)).stdout.trim()) * 1000);
      const run = createHash('sha256').update(input.tag).digest('hex').slice(0, 8);
      const version =
        (await host.run(`${BIN_DIR}/etcd --version | head -1`)).stdout.trim().split(/\s+/).pop() ?? '';
      return {
        id: snapshotId(input.cluster.metadata.name, takenAt, st.revision, run),
        cluster: input.cluster.metadata.name,
        member: input.host,
        revision: st.revision,
        totalKeys: st.totalKeys,
        sizeBytes: st.totalSize,
        sha256: (await host.sha256(file)) ?? '',
        etcdHash: st.hash,
        etcdVersion: version,
        takenAt: takenAt.toISOString(),
      };
    },

    /** Streams the member's snapshot to the target, checks its sha256, then writes its metadata. */
    async storeEtcdSnapshot(
      input: SnapshotInput & { meta: SnapshotMeta },
    ): Promise<{ path: string; bytes: number }> {
      const { host } = resolveHost(deps.hosts, input);
      const dir = localTarget(input.cluster).path;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const db = join(dir, `${input.meta.id}${SNAPSHOT_SUFFIX}`);
      const metaFile = join(dir, `${input.meta.id}${META_SUFFIX}`);
      const stored = (await listLocalSnapshots(dir)).find((m) => m.id === input.meta.id);
      if (stored?.sha256 === input.meta.sha256) return { path: db, bytes: 0 };
      const { bytes } = await host.download(hostFile(input.tag), db, input.meta.sha256);
      // The metadata goes last, atomically: its presence is what makes the snapshot count.
      await writeFile(`${metaFile}.partial`, `${JSON.stringify(input.meta, null, 2)}\n`, { mode: 0o600 });
      await rename(`${metaFile}.partial`, metaFile);
      return { path: db, bytes };
    },

    /** Keeps the `keep` newest verified snapshots in the target; removes the member's copy. */
    async pruneEtcdSnapshots(input: SnapshotInput): Promise<{ kept: string[]; deleted: string[] }> {
      const { host } = resolveHost(deps.hosts, input);
      const dir = localTarget(input.cluster).path;
      const keep = input.cluster.spec.etcd.backup?.keep ?? 10;
      const all = await listLocalSnapshots(dir);
      const doomed = retentionPlan(all, keep);
      for (const m of doomed) {
        // Metadata first: a snapshot without it no longer counts, even if the delete is interrupted.
        await rm(join(dir, `${m.id}${META_SUFFIX}`), { force: true });
        await rm(join(dir, `${m.id}${SNAPSHOT_SUFFIX}`), { force: true });
      }
      await host.run(`rm -f ${shq(hostFile(input.tag))}`);
      const gone = new Set(doomed.map((m) => m.id));
      return { kept: all.filter((m) => !gone.has(m.id)).map((m) => m.id), deleted: [...gone] };
    },
  };
}
