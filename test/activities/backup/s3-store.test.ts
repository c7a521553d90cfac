// The S3 backup target against a real S3-compatible server (moto): snapshots stored, listed,
// verified and copied back to a member through the SnapshotStore interface; refusals typed;
// a large object streamed both ways without being held in memory.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { S3Bucket } from '../../../activities/backup/s3-client';
import { storeFor } from '../../../activities/backup/snapshot-store';
import { createRestoreActivities } from '../../../activities/backup/etcd-restore';
import type { HostProvider } from '../../../activities/context';
import type { SnapshotMeta } from '../../../cluster/backup/snapshots';
import type { Cluster } from '../../../cluster/spec';
import { sha256File } from '../../../activities/bundle/files';
import { FakeHost } from '../../helpers/fake-host';
import { startMotoS3, type MotoS3 } from '../../helpers/moto-s3';
import { pkiCluster } from '../../helpers/pki-cluster';

let moto: MotoS3;
let dir: string;
let credentialsFile: string;
const creds = { accessKeyId: 'hakube-test', secretAccessKey: 'not-a-secret/x' };

before(async () => {
  moto = await startMotoS3();
  await moto.createBucket('etcd-backups');
  dir = mkdtempSync(join(tmpdir(), 'hakube-s3-'));
  process.env.HAKUBE_BACKUP_KEY_FILE = join(dir, 'backup-signing.key');
  process.env.HAKUBE_BACKUP_IDENTITY_FILE = join(dir, 'backup-identity.age');
  credentialsFile = join(dir, 'credentials');
  writeFileSync(
    credentialsFile,
    `[default]\naws_access_key_id = ${creds.accessKeyId}\naws_secret_access_key = ${creds.secretAccessKey}\n`,
    { mode: 0o600 },
  );
});
after(async () => {
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function s3Cluster(prefix: string, bucket = 'etcd-backups'): Cluster {
  const base = pkiCluster();
  const target = {
    type: 's3' as const,
    endpoint: moto.endpoint,
    allowInsecureHttp: true, // moto on loopback
    bucket,
    prefix,
    region: 'us-east-1',
    credentialsFile,
  };
  return {
    ...base,
    spec: { ...base.spec, etcd: { ...base.spec.etcd, backup: { schedule: '0 * * * *', keep: 3, target } } },
  };
}

function metaFor(bytes: Buffer, id: string, takenAt: string): SnapshotMeta {
  return {
    id,
    cluster: 'pki',
    member: 'master-2',
    // The id names the revision (stored metadata is checked against its own id).
    revision: Number(/-r(\d+)-/.exec(id)?.[1]),
    totalKeys: 10,
    liveKeys: 9,
    sizeBytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    etcdHash: 1,
    etcdVersion: '3.7.3',
    takenAt,
  };
}

test('store, list (newest first, this prefix only), verify, copy to a member, remove', async () => {
  const member = new FakeHost('master-2');
  const hosts: HostProvider = { hostFor: () => member };
  const store = storeFor(s3Cluster('prod/etcd'), hosts);
  assert.equal(store.where, 's3://etcd-backups/prod/etcd/');
  const older = Buffer.alloc(300_000, 'a');
  const newer = Buffer.alloc(200_000, 'b');
  await member.ensureFile('/snap/older.db', older);
  await member.ensureFile('/snap/newer.db', newer);
  const m1 = metaFor(older, 'etcd-pki-20261123T090000Z-r40-aaaaaaaa', '2026-11-23T09:00:00.000Z');
  const m2 = metaFor(newer, 'etcd-pki-20261123T100000Z-r42-bbbbbbbb', '2026-11-23T10:00:00.000Z');
  const put = await store.put(member, '/snap/older.db', m1);
  assert.equal(put.path, `s3://etcd-backups/prod/etcd/${m1.id}.db`);
  // The ciphertext: the snapshot plus age's header and a 16-byte tag per 64 KiB chunk.
  assert.ok(put.bytes > older.length && put.bytes < older.length + 1024, `${put.bytes} bytes`);
  await store.put(member, '/snap/newer.db', m2);
  // Stored again (a retried step): nothing is uploaded twice.
  assert.equal((await store.put(member, '/snap/newer.db', m2)).bytes, 0);
  // Another store's snapshots under a deeper prefix are not this store's.
  const deeper = { ...m1, id: 'etcd-pki-20261123T090000Z-r40-dddddddd' };
  await storeFor(s3Cluster('prod/etcd/other'), hosts).put(member, '/snap/older.db', deeper);

  assert.deepEqual(
    (await store.list()).map((m) => m.id),
    [m2.id, m1.id],
  );
  // Stored encrypted: the object is the ciphertext the metadata names, never the snapshot itself.
  const [stored2, stored1] = await store.list();
  assert.equal(await store.storedSha256(m1.id), stored1.encryption?.sha256);
  assert.notEqual(stored1.encryption?.sha256, m1.sha256);
  assert.equal(await store.storedSha256('etcd-pki-20261123T090000Z-r40-eeeeeeee'), undefined);
  const master3 = new FakeHost('master-3');
  const copied = await store.copyTo(master3, stored2, '/var/lib/hakube/restore/s.db');
  assert.equal(copied.bytes, newer.length);
  assert.deepEqual(await master3.readFile('/var/lib/hakube/restore/s.db'), newer);

  await store.remove(m1.id);
  assert.deepEqual(
    (await store.list()).map((m) => m.id),
    [m2.id],
  );
  assert.equal(await store.storedSha256(m1.id), undefined);
});

test('a missing bucket is a refusal retrying cannot fix', async () => {
  const store = storeFor(s3Cluster('', 'no-such-bucket'), { hostFor: () => new FakeHost('master-2') });
  await assert.rejects(store.list(), (e: unknown) => {
    assert.ok(e instanceof ApplicationFailure);
    assert.equal(e.type, 'BackupTargetRefused');
    assert.equal(e.nonRetryable, true);
    assert.match(e.message, /NoSuchBucket/);
    return true;
  });
});

test('an object changed in the bucket is refused by the restore before anything is stopped', async () => {
  const member = new FakeHost('master-2');
  const bytes = Buffer.alloc(50_000, 'c');
  await member.ensureFile('/snap/c.db', bytes);
  const cluster = s3Cluster('tamper');
  const m = metaFor(bytes, 'etcd-pki-20261123T110000Z-r50-cccccccc', '2026-11-23T11:00:00.000Z');
  await storeFor(cluster, { hostFor: () => member }).put(member, '/snap/c.db', m);
  const restore = createRestoreActivities({ hosts: { hostFor: () => member } });
  assert.equal((await restore.verifyStoredSnapshot({ cluster, snapshotId: m.id })).sha256, m.sha256);
  const s3 = new S3Bucket({ endpoint: moto.endpoint, bucket: 'etcd-backups', region: 'us-east-1' }, creds);
  await s3.putBytes(`tamper/${m.id}.db`, bytes.subarray(0, 40_000), 'application/octet-stream');
  await assert.rejects(restore.verifyStoredSnapshot({ cluster, snapshotId: m.id }), (e: unknown) => {
    assert.ok(e instanceof ApplicationFailure);
    assert.equal(e.type, 'SnapshotCorrupted');
    return true;
  });
});

test('a 256 MiB snapshot is streamed both ways, not held in memory', async () => {
  const s3 = new S3Bucket({ endpoint: moto.endpoint, bucket: 'etcd-backups', region: 'us-east-1' }, creds);
  const file = join(dir, 'big.db');
  const out = createWriteStream(file);
  const chunk = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < 256; i++) {
    chunk.fill(i);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  const sha256 = await sha256File(file);
  const rssBefore = process.memoryUsage().rss;
  await s3.putFile('big.db', file, sha256);
  const back = join(dir, 'big-back.db');
  assert.equal(await s3.getTo('big.db', createWriteStream(back)), 256 * 1024 * 1024);
  const grown = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  assert.equal(await sha256File(back), sha256);
  assert.ok(grown < 128, `the worker grew by ${grown.toFixed(0)} MiB for a 256 MiB object`);
  process.stderr.write(`  [s3] 256 MiB up and down; RSS grew ${grown.toFixed(0)} MiB\n`);
});
