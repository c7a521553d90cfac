// Backup contents are not trusted: metadata planted or edited at the target, metadata signed by
// another key, another cluster's snapshots in a shared folder and unsigned (old) metadata are each
// refused or left alone, by the store, by retention and by the restore's first step, before
// anything on the cluster is stopped. The attacks are the review's (issue "Security").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createBackupActivities } from '../../../activities/backup/etcd-snapshot';
import { createRestoreActivities } from '../../../activities/backup/etcd-restore';
import { metadataSigner } from '../../../activities/backup/metadata-signature';
import { localStore } from '../../../activities/backup/snapshot-store';
import type { HostProvider } from '../../../activities/context';
import { restoreMarkerPath } from '../../../cluster/backup/restore';
import type { SnapshotMeta } from '../../../cluster/backup/snapshots';
import type { Cluster } from '../../../cluster/spec';
import { FakeHost } from '../../helpers/fake-host';
import { pkiCluster } from '../../helpers/pki-cluster';

const keyDir = mkdtempSync(join(tmpdir(), 'hakube-key-'));
process.env.HAKUBE_BACKUP_KEY_FILE = join(keyDir, 'backup-signing.key');
process.env.HAKUBE_BACKUP_IDENTITY_FILE = join(keyDir, 'backup-identity.age');

const bytes = Buffer.alloc(32 * 1024, 'snap');
const sha256 = createHash('sha256').update(bytes).digest('hex');

function metaAt(hour: number, cluster = 'pki'): SnapshotMeta {
  const hh = String(hour).padStart(2, '0');
  return {
    id: `etcd-${cluster}-20261123T${hh}0000Z-r${40 + hour}-0a1b2c${hh}`,
    cluster,
    member: 'master-2',
    revision: 40 + hour,
    totalKeys: 10,
    sizeBytes: bytes.length,
    sha256,
    etcdHash: 1,
    etcdVersion: '3.7.3',
    takenAt: `2026-11-23T${hh}:00:00.000Z`,
  };
}

function clusterWithTarget(dir: string, name = 'pki', keep = 2): Cluster {
  const base = pkiCluster();
  return {
    ...base,
    metadata: { name },
    spec: {
      ...base.spec,
      etcd: {
        ...base.spec.etcd,
        backup: { schedule: '0 * * * *', keep, target: { type: 'local', path: dir } },
      },
    },
  };
}

/** A target folder holding `metas`, stored the way the backup workflow stores them (signed). */
async function targetWith(
  metas: SnapshotMeta[],
  cluster = 'pki',
): Promise<{ dir: string; member: FakeHost }> {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-target-'));
  const member = new FakeHost('master-2');
  await member.ensureFile('/snap/s.db', bytes);
  for (const m of metas) await localStore(dir, cluster).put(member, '/snap/s.db', m);
  return { dir, member };
}

function typed(type: string, pattern?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ApplicationFailure, String(e));
    assert.equal(e.type, type, e.message);
    assert.equal(e.nonRetryable, true);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

test('metadata is stored signed, and the signature covers every field', async () => {
  const { dir } = await targetWith([metaAt(10)]);
  const stored = JSON.parse(readFileSync(join(dir, `${metaAt(10).id}.json`), 'utf8')) as SnapshotMeta & {
    signature: string;
  };
  assert.match(stored.signature, /^hmac-sha256:[0-9a-f]{8}:[0-9a-f]{64}$/);
  const signer = metadataSigner();
  assert.equal(signer.problem(stored), undefined);
  const otherRecipient = { ...stored.encryption, recipient: `age1${'q'.repeat(58)}` };
  for (const [field, value] of [
    ['member', 'master-3'],
    ['revision', 41],
    ['sha256', 'f'.repeat(64)],
    ['takenAt', '2026-11-24T10:00:00.000Z'],
    ['liveKeys', 3],
    ['encryption', otherRecipient],
    ['encryption', undefined],
  ] as const)
    assert.match(signer.problem({ ...stored, [field]: value }) ?? '', /does not match/, field);
});

test('a planted metadata file whose id carries a shell payload is refused, and the restore never starts', async () => {
  const real = metaAt(10);
  const { dir, member } = await targetWith([real]);
  const payload = `${real.id};echo\${IFS}aWQ=|base64\${IFS}-d|sh;#`;
  // Planted under an innocent name, and under the payload's own name.
  writeFileSync(
    join(dir, 'etcd-pki-20261123T110000Z-r51-0a1b2c11.json'),
    JSON.stringify({ ...real, id: payload }),
  );
  writeFileSync(join(dir, `${payload}.json`), JSON.stringify({ ...real, id: payload }));
  const cluster = clusterWithTarget(dir);
  const inspected = await localStore(dir, 'pki').inspect();
  assert.deepEqual(
    inspected.snapshots.map((m) => m.id),
    [real.id],
  );
  assert.deepEqual(
    inspected.refused.map((r) => r.id),
    ['etcd-pki-20261123T110000Z-r51-0a1b2c11'],
  );
  assert.match(inspected.refused[0].why, /id is not a snapshot id/);
  const restore = createRestoreActivities({ hosts: { hostFor: () => member } });
  await assert.rejects(
    restore.verifyStoredSnapshot({ cluster, snapshotId: payload }),
    typed('SnapshotNotFound', /is not a snapshot id/),
  );
  await assert.rejects(
    restore.verifyStoredSnapshot({ cluster, snapshotId: 'etcd-pki-20261123T110000Z-r51-0a1b2c11' }),
    typed('SnapshotTampered', /id is not a snapshot id/),
  );
  // Nothing was ever run on the member: the refusal came first.
  assert.deepEqual(member.commands, []);
});

test('edited metadata, metadata signed by another key and a non-numeric revision are refused as tampered', async () => {
  const m = metaAt(10);
  const { dir, member } = await targetWith([m]);
  const file = join(dir, `${m.id}.json`);
  const signed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const cluster = clusterWithTarget(dir);
  const restore = createRestoreActivities({ hosts: { hostFor: () => member } });
  const attempt = () => restore.verifyStoredSnapshot({ cluster, snapshotId: m.id });

  writeFileSync(file, JSON.stringify({ ...signed, member: 'master-3' }));
  await assert.rejects(attempt(), typed('SnapshotTampered', /does not match its fields/));

  writeFileSync(file, JSON.stringify({ ...signed, revision: '50 --data-dir=/tmp/x' }));
  await assert.rejects(attempt(), typed('SnapshotTampered', /revision/));

  const otherKey = metadataSigner(join(keyDir, 'another.key')).sign(m);
  writeFileSync(file, JSON.stringify(otherKey));
  await assert.rejects(attempt(), typed('SnapshotTampered', /not this worker's key/));

  writeFileSync(file, JSON.stringify(signed));
  assert.equal((await attempt()).id, m.id);
});

test('unsigned metadata (older than signing) is restored only when asked, and never counted by retention', async () => {
  const m = metaAt(9);
  const { dir, member } = await targetWith([]);
  writeFileSync(join(dir, `${m.id}.db`), bytes);
  writeFileSync(join(dir, `${m.id}.json`), JSON.stringify(m));
  const cluster = clusterWithTarget(dir);
  const restore = createRestoreActivities({ hosts: { hostFor: () => member } });
  await assert.rejects(
    restore.verifyStoredSnapshot({ cluster, snapshotId: m.id }),
    typed('SnapshotUnsigned', /--allow-unsigned/),
  );
  assert.deepEqual(await restore.verifyStoredSnapshot({ cluster, snapshotId: m.id, allowUnsigned: true }), m);
  assert.deepEqual(await localStore(dir, 'pki').list(), []);
  assert.deepEqual((await localStore(dir, 'pki').inspect()).refused, [{ id: m.id, why: 'unsigned' }]);
});

test("clusters sharing a folder never list or delete each other's snapshots; planted files cannot steer retention", async () => {
  const ours = [metaAt(8), metaAt(9), metaAt(10), metaAt(11)];
  const theirs = [metaAt(12, 'other'), metaAt(13, 'other')];
  const { dir, member } = await targetWith(ours);
  for (const m of theirs) await localStore(dir, 'other').put(member, '/snap/s.db', m);
  // A file outside the store, and metadata trying to make retention delete it.
  const outside = mkdtempSync(join(tmpdir(), 'hakube-victim-'));
  const victim = join(outside, 'victim.db');
  writeFileSync(victim, 'precious');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'planted.json'), JSON.stringify({ ...metaAt(23), id: `../${outside}/victim` }));
  // Newer than everything, but unsigned: it must not push a real snapshot out.
  writeFileSync(join(dir, `${metaAt(22).id}.json`), JSON.stringify(metaAt(22)));

  const backup = createBackupActivities({ hosts: { hostFor: () => member } as HostProvider });
  const pruned = await backup.pruneEtcdSnapshots({
    cluster: clusterWithTarget(dir),
    host: 'master-2',
    tag: 't',
  });
  assert.deepEqual(pruned.kept, [metaAt(11).id, metaAt(10).id]);
  assert.deepEqual(pruned.deleted.sort(), [metaAt(8).id, metaAt(9).id]);
  assert.ok(existsSync(victim), 'retention deleted a file outside the store');
  assert.ok(existsSync(join(dir, `${metaAt(22).id}.json`)), 'retention deleted metadata it cannot trust');
  assert.deepEqual(
    (await localStore(dir, 'other').list()).map((m) => m.id),
    theirs.map((m) => m.id).reverse(),
  );
});

test('a restore marker on a member that points elsewhere is refused before anything moves', async () => {
  const m = metaAt(10);
  const { dir, member } = await targetWith([m]);
  const cluster = clusterWithTarget(dir);
  const runId = 'restore-pki';
  await member.ensureFile(
    restoreMarkerPath(runId),
    Buffer.from(
      JSON.stringify({
        dataDir: '/',
        staging: '/var/lib/etcd.restoring-20261123T100000Z',
        aside: '/root',
        failed: '/var/lib/etcd.failed-restore-20261123T100000Z',
        stamp: '20261123T100000Z',
        snapshotId: m.id,
        state: 'staged',
      }),
    ),
  );
  const restore = createRestoreActivities({ hosts: { hostFor: () => member } });
  const before = member.commands.length;
  await assert.rejects(
    restore.rollbackEtcdMember({ cluster, host: 'master-2', runId }),
    typed('RestoreFailed', /dataDir "\/" is not \/var\/lib\/etcd/),
  );
  await assert.rejects(
    restore.restoreEtcdMember({ cluster, host: 'master-2', runId, stamp: '20261123T100000Z', meta: m }),
    typed('RestoreFailed', /is refused/),
  );
  assert.deepEqual(member.commands.slice(before), []);
});
