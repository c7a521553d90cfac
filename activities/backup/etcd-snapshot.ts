// etcd backup steps. A snapshot is taken on a member into a file named after the backup run
// (so a retried step reuses it instead of taking another), verified with `etcdutl snapshot
// status`, streamed to the backup target (snapshot-store.ts) next to its metadata, and only
// then counted: a snapshot without metadata is never a valid backup, and retention runs last.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import {
  parseEndpointStatus,
  parseSnapshotStatus,
  retentionPlan,
  SNAPSHOT_SUFFIX,
  snapshotId,
  type MemberStatus,
  type SnapshotMeta,
} from '../../cluster/backup/snapshots';
import { parseCountFields } from '../../cluster/backup/restore';
import { ErrorTypes } from '../../cluster/errors';
import { etcdctl, LOCAL_ETCD } from '../../cluster/etcdctl';
import { BIN_DIR } from '../../cluster/layout';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { NO_METRICS, type ActivityMetrics } from '../metrics';
import { shq } from '../ssh/shell';
import { storeFor } from './snapshot-store';

/** Where members keep a snapshot until it is stored (one file per backup run). */
export const HOST_SNAPSHOT_DIR = '/var/lib/hakube/snapshots';

export interface SnapshotInput extends HostInput {
  /** The backup run's tag (its workflow id): names the file on the member. */
  tag: string;
}

const hostFile = (tag: string) =>
  `${HOST_SNAPSHOT_DIR}/${tag.replace(/[^A-Za-z0-9_.-]/g, '_')}${SNAPSHOT_SUFFIX}`;

export function createBackupActivities(deps: { hosts: HostProvider; metrics?: ActivityMetrics }) {
  const metrics = deps.metrics ?? NO_METRICS;
  return {
    /** Status of every member, as this member's etcdctl sees the cluster. */
    async etcdMemberStatus(input: HostInput): Promise<MemberStatus[]> {
      const { host } = resolveHost(deps.hosts, input);
      const r = await host.exec(etcdctl(LOCAL_ETCD, 'endpoint status --cluster -w json'));
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
        await host.run(etcdctl(LOCAL_ETCD, `snapshot save ${shq(file)}`));
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
      // The key space at the snapshot's revision, read from this member alone: what a restore
      // of this snapshot must show. Unknown when compaction already passed that revision.
      const live = await host.exec(
        etcdctl(LOCAL_ETCD, `get '' --from-key --count-only -w fields --consistency=s --rev=${st.revision}`),
      );
      const liveKeys = live.exitCode === 0 ? parseCountFields(live.stdout) : undefined;
      return {
        id: snapshotId(input.cluster.metadata.name, takenAt, st.revision, run),
        cluster: input.cluster.metadata.name,
        member: input.host,
        revision: st.revision,
        totalKeys: st.totalKeys,
        ...(liveKeys === undefined ? {} : { liveKeys }),
        sizeBytes: st.totalSize,
        sha256: (await host.sha256(file)) ?? '',
        etcdHash: st.hash,
        etcdVersion: version,
        takenAt: takenAt.toISOString(),
      };
    },

    /**
     * Streams the member's snapshot to the backup target, checks its sha256, then writes its
     * metadata; the last-good-backup metric moves to the snapshot's time.
     */
    async storeEtcdSnapshot(
      input: SnapshotInput & { meta: SnapshotMeta },
    ): Promise<{ path: string; bytes: number }> {
      const { host } = resolveHost(deps.hosts, input);
      const stored = await storeFor(input.cluster, deps.hosts).put(host, hostFile(input.tag), input.meta);
      // The metadata is written last (snapshot-store.ts): from here this is a good backup.
      metrics.snapshotStored(input.cluster.metadata.name, new Date(input.meta.takenAt));
      return stored;
    },

    /** Keeps the `keep` newest verified snapshots at the target; removes the member's copy. */
    async pruneEtcdSnapshots(input: SnapshotInput): Promise<{ kept: string[]; deleted: string[] }> {
      const { host } = resolveHost(deps.hosts, input);
      const store = storeFor(input.cluster, deps.hosts);
      const keep = input.cluster.spec.etcd.backup?.keep ?? 10;
      const all = await store.list();
      const doomed = retentionPlan(all, keep);
      for (const m of doomed) await store.remove(m.id);
      await host.run(`rm -f ${shq(hostFile(input.tag))}`);
      const gone = new Set(doomed.map((m) => m.id));
      return { kept: all.filter((m) => !gone.has(m.id)).map((m) => m.id), deleted: [...gone] };
    },
  };
}
