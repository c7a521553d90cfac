// Stored snapshot metadata, read back like user input: whatever sits next to a snapshot in a
// bucket or a folder may have been planted or edited by anyone who can write there, and its
// fields reach paths and commands on the etcd members. Pure: activities read and sign it.
import { z } from 'zod';
import type { SnapshotMeta } from './snapshots';

/** `etcd-<cluster>-<YYYYMMDDTHHMMSSZ>-r<revision>-<run>` (cluster/backup/snapshots.ts snapshotId). */
export const SNAPSHOT_ID =
  /^etcd-([a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)-(\d{8}T\d{6}Z)-r(\d{1,16})-([0-9a-f]{8})$/;

export function isSnapshotId(id: string): boolean {
  return SNAPSHOT_ID.test(id);
}

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const name = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);

/** `hmac-sha256:<key id>:<hex>`: the key id says which worker key signed it. */
export const SIGNATURE = /^hmac-sha256:([0-9a-f]{8}):([0-9a-f]{64})$/;

const storedMeta = z.strictObject({
  id: z.string().regex(SNAPSHOT_ID, 'is not a snapshot id'),
  cluster: name,
  member: name,
  revision: count,
  totalKeys: count,
  liveKeys: count.optional(),
  sizeBytes: count,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'is not a sha256'),
  etcdHash: count,
  etcdVersion: z.string().regex(/^\d{1,4}\.\d{1,4}\.\d{1,4}$/, 'is not a version'),
  takenAt: z.iso.datetime(),
  encryption: z
    .strictObject({
      format: z.literal('age'),
      recipient: z.string().regex(/^age1[0-9a-z]{58}$/, 'is not an age recipient'),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'is not a sha256'),
      bytes: count,
    })
    .optional(),
  signature: z.string().regex(SIGNATURE, 'is not an hmac-sha256 signature').optional(),
});

export type StoredSnapshotMeta = SnapshotMeta & { signature?: string };

export type MetaReading = { ok: true; meta: StoredSnapshotMeta } | { ok: false; why: string };

/** The metadata in `text`, checked field by field and against its own id. */
export function readSnapshotMeta(text: string): MetaReading {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, why: 'not JSON' };
  }
  const parsed = storedMeta.safeParse(doc);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, why: `${first.path.join('.') || 'metadata'} ${first.message}` };
  }
  const meta = parsed.data;
  const m = SNAPSHOT_ID.exec(meta.id) as RegExpExecArray;
  if (m[1] !== meta.cluster) return { ok: false, why: `id ${meta.id} does not name cluster ${meta.cluster}` };
  if (Number(m[3]) !== meta.revision)
    return { ok: false, why: `id ${meta.id} does not name revision ${meta.revision}` };
  return { ok: true, meta };
}

/** The bytes a signature covers: every field but the signature, in one fixed order. */
export function signedBytes(meta: SnapshotMeta): Buffer {
  const fields: (keyof SnapshotMeta)[] = [
    'id',
    'cluster',
    'member',
    'revision',
    'totalKeys',
    'liveKeys',
    'sizeBytes',
    'sha256',
    'etcdHash',
    'etcdVersion',
    'takenAt',
    'encryption',
  ];
  const e = meta.encryption;
  // The encryption's fields in a fixed order too, whatever order the stored JSON has them in.
  const value = (f: keyof SnapshotMeta) =>
    f === 'encryption' ? (e ? [e.format, e.recipient, e.sha256, e.bytes] : null) : (meta[f] ?? null);
  return Buffer.from(JSON.stringify(fields.map((f) => [f, value(f)])));
}

/** The metadata without its signature (what the workflow passes around and compares). */
export function unsigned(meta: StoredSnapshotMeta): SnapshotMeta {
  const { signature: _signature, ...rest } = meta;
  return rest;
}
