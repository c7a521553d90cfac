// etcd snapshots: names, the metadata stored beside each one, choosing the member to take it
// from, and retention. Pure: activities gather the facts and do the copying.

export interface SnapshotMeta {
  /** File name without extension, e.g. `etcd-prod-20261123T100000Z-r4711`. */
  id: string;
  cluster: string;
  member: string;
  revision: number;
  /** Keys in the db file (`snapshot status`), every revision of them. */
  totalKeys: number;
  /** Keys of the key space at `revision` (what a restore must show); absent when it was compacted away. */
  liveKeys?: number;
  sizeBytes: number;
  sha256: string;
  /** etcd's own hash of the snapshot's key space (`snapshot status`). */
  etcdHash: number;
  etcdVersion: string;
  takenAt: string;
  /**
   * How the stored file is encrypted (activities/backup/snapshot-encryption.ts): to which age
   * recipient, and the sha256 and size of the stored ciphertext. Absent for snapshots stored
   * before hakube encrypted them (stored as taken).
   */
  encryption?: SnapshotEncryption;
}

export interface SnapshotEncryption {
  format: 'age';
  recipient: string;
  sha256: string;
  bytes: number;
}

/**
 * Snapshot ids sort by time: a UTC timestamp without separators, the revision, then `run` (a
 * short token of the backup run): two runs in the same second with no write between them take
 * the same revision, and must not overwrite each other.
 */
export function snapshotId(cluster: string, takenAt: Date, revision: number, run: string): string {
  const stamp = takenAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `etcd-${cluster}-${stamp}-r${revision}-${run}`;
}

export const SNAPSHOT_SUFFIX = '.db';
export const META_SUFFIX = '.json';

export interface MemberStatus {
  endpoint: string;
  memberId: string;
  leaderId: string;
  revision: number;
  dbSize: number;
  version: string;
}

/** `etcdctl endpoint status -w json`: ids are uint64, read as text. */
export function parseEndpointStatus(json: string): MemberStatus[] {
  const safe = json.replace(
    /"(cluster_id|member_id|leader|raft_term|raft_index|revision)":\s*(\d+)/g,
    '"$1":"$2"',
  );
  const parsed = JSON.parse(safe) as {
    Endpoint: string;
    Status: {
      header: { member_id: string; revision: string };
      leader: string;
      dbSize: number;
      version: string;
    };
  }[];
  return parsed.map((e) => ({
    endpoint: e.Endpoint,
    memberId: e.Status.header.member_id,
    leaderId: e.Status.leader,
    revision: Number(e.Status.header.revision),
    dbSize: e.Status.dbSize,
    version: e.Status.version,
  }));
}

/** A follower when there is one (a snapshot costs the leader I/O it needs for the cluster), else the leader. */
export function pickSnapshotMember(statuses: MemberStatus[]): MemberStatus | undefined {
  return statuses.find((s) => s.memberId !== s.leaderId) ?? statuses[0];
}

export interface SnapshotStatus {
  hash: number;
  revision: number;
  totalKeys: number;
  totalSize: number;
}

/** `etcdutl snapshot status -w json`. */
export function parseSnapshotStatus(json: string): SnapshotStatus {
  const s = JSON.parse(json) as { hash: number; revision: number; totalKey: number; totalSize: number };
  if (![s.hash, s.revision, s.totalKey, s.totalSize].every(Number.isFinite))
    throw new Error(`not a snapshot status: ${json.slice(0, 200)}`);
  return { hash: s.hash, revision: s.revision, totalKeys: s.totalKey, totalSize: s.totalSize };
}

/**
 * Which stored snapshots to delete to keep the `keep` newest. Only verified snapshots (those
 * with metadata) are counted or deleted; the newest one is never deleted.
 */
export function retentionPlan(stored: SnapshotMeta[], keep: number): SnapshotMeta[] {
  return newestFirst(stored).slice(Math.max(1, keep));
}

/** Snapshots ordered by when they were taken, newest first (ids break ties). */
export function newestFirst(metas: SnapshotMeta[]): SnapshotMeta[] {
  return [...metas].sort((a, b) => b.takenAt.localeCompare(a.takenAt) || b.id.localeCompare(a.id));
}
