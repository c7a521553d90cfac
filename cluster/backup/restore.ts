// etcd restore: where each member's data goes, the `etcdutl snapshot restore` command, the plan
// shown for approval, and the checks of the restored members. Pure: activities run it.
import type { Cluster, HostSpec } from '../spec';
import { BIN_DIR } from '../layout';
import { controlPlaneHosts, etcdHosts, etcdInitialCluster } from '../topology';
import type { SnapshotMeta } from './snapshots';
import { shq } from '../shell-quote';
import { isSnapshotId } from './snapshot-meta';

/**
 * Added to the snapshot's revision on restore, and marked compacted: clients of Kubernetes
 * (informers, watch caches) hold resource versions newer than the snapshot, and must see the
 * store move forward and relist instead of waiting for a revision that already passed. The
 * amount etcd's own recovery guide suggests for Kubernetes.
 */
export const RESTORE_BUMP_REVISION = 1_000_000_000;

/** Where members keep the snapshot being restored and the state of each restore run. */
export const HOST_RESTORE_DIR = '/var/lib/hakube/restore';

/** A restore's time stamp, in the names of the folders it leaves: `20261123T104500Z`. */
export function restoreStamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

export interface MemberRestorePaths {
  dataDir: string;
  /** The restored data is written here first, then moved into place. */
  staging: string;
  /** The member's data dir before the restore: moved here, never deleted. */
  aside: string;
  /** Where a rollback moves the restored data it replaces (kept too). */
  failed: string;
}

export function memberRestorePaths(dataDir: string, stamp: string): MemberRestorePaths {
  return {
    dataDir,
    staging: `${dataDir}.restoring-${stamp}`,
    aside: `${dataDir}.before-restore-${stamp}`,
    failed: `${dataDir}.failed-restore-${stamp}`,
  };
}

/** The restored cluster's token: a new one, so no member of the old cluster can talk to it. */
export function restoreClusterToken(cluster: Cluster, stamp: string): string {
  return `hakube-${cluster.metadata.name}-restore-${stamp}`;
}

export function stagedSnapshotPath(snapshotId: string): string {
  return `${HOST_RESTORE_DIR}/${snapshotId}.db`;
}

/** State of one member's restore, kept on the member under the restore run's id. */
export function restoreMarkerPath(runId: string): string {
  return `${HOST_RESTORE_DIR}/${runId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`;
}

export const MEMBER_RESTORE_STATES = ['staging', 'staged', 'restored', 'rolled-back'] as const;
export type MemberRestoreState = (typeof MEMBER_RESTORE_STATES)[number];

export interface MemberRestoreMarker extends MemberRestorePaths {
  stamp: string;
  snapshotId: string;
  state: MemberRestoreState;
}

export function etcdutlRestoreCommand(
  cluster: Cluster,
  member: HostSpec,
  snapshotFile: string,
  stagingDir: string,
  token: string,
): string {
  // Every value quoted: the file name comes from stored metadata, the paths from the spec.
  return [
    `${BIN_DIR}/etcdutl snapshot restore ${shq(snapshotFile)}`,
    `--name=${shq(member.name)}`,
    `--data-dir=${shq(stagingDir)}`,
    `--initial-cluster=${shq(etcdInitialCluster(cluster))}`,
    `--initial-cluster-token=${shq(token)}`,
    `--initial-advertise-peer-urls=${shq(`https://${member.address}:2380`)}`,
    `--bump-revision=${RESTORE_BUMP_REVISION}`,
    '--mark-compacted',
  ].join(' ');
}

export function restoredRevision(meta: SnapshotMeta): number {
  return meta.revision + RESTORE_BUMP_REVISION;
}

/** What `hakube restore` asks a person to approve, step by step. */
export function restorePlan(cluster: Cluster, meta: SnapshotMeta, stamp: string): string[] {
  const members = etcdHosts(cluster);
  const cp = controlPlaneHosts(cluster).map((h) => h.name);
  const paths = memberRestorePaths(cluster.spec.etcd.dataDir, stamp);
  const keys = meta.liveKeys === undefined ? `${meta.totalKeys} keys in the db` : `${meta.liveKeys} keys`;
  return [
    `snapshot ${meta.id}: revision ${meta.revision}, ${keys}, taken ${meta.takenAt} from ${meta.member} (sha256 verified)`,
    `copy it to ${members.map((h) => h.name).join(', ')}`,
    `stop kube-apiserver, kube-controller-manager, kube-scheduler on ${cp.join(', ') || 'no host'}`,
    `stop etcd on ${members.map((h) => h.name).join(', ')} (the cluster is down from here)`,
    `on each member: move ${paths.dataDir} aside to ${paths.aside} (kept), restore the snapshot with a new cluster token`,
    'start etcd on every member and wait until all are healthy',
    `check every member: revision ${restoredRevision(meta)}${meta.liveKeys === undefined ? '' : ` with ${meta.liveKeys} keys`}`,
    'start the control plane again and wait for /readyz through the API endpoint',
  ];
}

/** `etcdctl get … --count-only -w fields` prints `"Count" : N`. */
export function parseCountFields(out: string): number {
  const m = /"Count"\s*:\s*(\d+)/.exec(out);
  if (!m) throw new Error(`no count in: ${out.slice(0, 200)}`);
  return Number(m[1]);
}

export interface RestoredMemberCheck {
  member: string;
  revision: number;
  /** Keys at the restored revision (read from this member alone). */
  keys: number;
}

/** Problems of the restored members against the snapshot's metadata (empty when it matches). */
export function restoreMismatches(meta: SnapshotMeta, checks: RestoredMemberCheck[]): string[] {
  const want = restoredRevision(meta);
  const problems: string[] = [];
  for (const c of checks) {
    // Leases that expire after the start delete keys and move the revision on; never backwards.
    if (c.revision < want) problems.push(`${c.member}: revision ${c.revision}, expected at least ${want}`);
    if (meta.liveKeys !== undefined && c.keys !== meta.liveKeys)
      problems.push(`${c.member}: ${c.keys} keys at revision ${want}, the snapshot has ${meta.liveKeys}`);
  }
  const counts = new Set(checks.map((c) => c.keys));
  if (counts.size > 1)
    problems.push(`members disagree: ${checks.map((c) => `${c.member} ${c.keys} keys`).join(', ')}`);
  return problems;
}

/**
 * A restore marker read back from a member, checked like user input: its paths steer `mv` and
 * `rm -rf` on the member, so they must be exactly the ones this spec's data dir and the
 * marker's stamp give. Throws with the reason otherwise.
 */
export function checkedRestoreMarker(text: string, dataDir: string): MemberRestoreMarker {
  const doc = JSON.parse(text) as Partial<Record<keyof MemberRestoreMarker, unknown>>;
  const { stamp, snapshotId, state } = doc;
  if (typeof stamp !== 'string' || !/^\d{8}T\d{6}Z$/.test(stamp))
    throw new Error('the marker has no valid stamp');
  if (typeof snapshotId !== 'string' || !isSnapshotId(snapshotId))
    throw new Error('the marker names no valid snapshot id');
  if (!MEMBER_RESTORE_STATES.includes(state as MemberRestoreState))
    throw new Error(`the marker's state ${JSON.stringify(state)} is unknown`);
  const paths = memberRestorePaths(dataDir, stamp);
  for (const k of Object.keys(paths) as (keyof MemberRestorePaths)[])
    if (doc[k] !== paths[k])
      throw new Error(
        `the marker's ${k} ${JSON.stringify(doc[k])} is not ${paths[k]} (spec.etcd.dataDir and stamp)`,
      );
  return { ...paths, stamp, snapshotId, state: state as MemberRestoreState };
}
