// The local backup target: a copy cut off half-way never counts as a snapshot, a retry stores
// it whole, and a restore refuses a stored file that no longer matches its metadata.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createBackupActivities } from '../../../activities/backup/etcd-snapshot';
import { localStore } from '../../../activities/backup/snapshot-store';
import { createRestoreActivities } from '../../../activities/backup/etcd-restore';
import type { HostProvider } from '../../../activities/context';
import type { DownloadResult } from '../../../activities/ssh';
import type { SnapshotMeta } from '../../../cluster/backup/snapshots';
import { FakeHost } from '../../helpers/fake-host';
import { pkiCluster } from '../../helpers/pki-cluster';

/** A member whose connection drops after half of the first download. */
class FlakyHost extends FakeHost {
  cutOnce = true;
  override async downloadInto(
    remotePath: string,
    sink: NodeJS.WritableStream,
    expectSha256?: string,
  ): Promise<DownloadResult> {
    if (!this.cutOnce) return super.downloadInto(remotePath, sink, expectSha256);
    this.cutOnce = false;
    const c = (await this.readFile(remotePath)) as Buffer;
    const cut = new Error('connection reset');
    // Half the bytes reach the sink, then the stream fails as a cut connection does.
    await new Promise<void>((resolve) => sink.write(c.subarray(0, c.length / 2), () => resolve()));
    (sink as NodeJS.WritableStream & { destroy(err: Error): void }).destroy(cut);
    throw cut;
  }
}

// This file's own signing key (the store signs metadata with the worker's key).
const keyDir = mkdtempSync(join(tmpdir(), 'hakube-key-'));
process.env.HAKUBE_BACKUP_KEY_FILE = join(keyDir, 'backup-signing.key');
process.env.HAKUBE_BACKUP_IDENTITY_FILE = join(keyDir, 'backup-identity.age');

const snapshotBytes = Buffer.alloc(64 * 1024, 'etcd');
const tag = 'backup-run-1';
const hostFile = `/var/lib/hakube/snapshots/${tag}.db`;

function meta(): SnapshotMeta {
  return {
    id: 'etcd-pki-20261123T100000Z-r42-0a1b2c3d',
    cluster: 'pki',
    member: 'master-2',
    revision: 42,
    totalKeys: 10,
    liveKeys: 9,
    sizeBytes: snapshotBytes.length,
    sha256: createHash('sha256').update(snapshotBytes).digest('hex'),
    etcdHash: 1,
    etcdVersion: '3.7.3',
    takenAt: '2026-11-23T10:00:00.000Z',
  };
}

test('a store cut off half-way leaves nothing that counts; the retry stores it whole; restore verifies it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-target-'));
  try {
    const base = pkiCluster();
    const cluster = {
      ...base,
      spec: {
        ...base.spec,
        etcd: {
          ...base.spec.etcd,
          backup: { schedule: '0 * * * *', keep: 3, target: { type: 'local' as const, path: dir } },
        },
      },
    };
    const member = new FlakyHost('master-2');
    await member.ensureFile(hostFile, snapshotBytes);
    const hosts: HostProvider = { hostFor: () => member };
    // The last-good-backup metric moves only when a snapshot is stored whole.
    const stored: [string, string][] = [];
    const metrics = {
      snapshotStored: (c: string, at: Date) => void stored.push([c, at.toISOString()]),
      bundleVerified: () => undefined,
    };
    const backup = createBackupActivities({ hosts, metrics });
    const restore = createRestoreActivities({ hosts });
    const input = { cluster, host: 'master-2', tag, meta: meta() };

    await assert.rejects(backup.storeEtcdSnapshot(input), /connection reset/);
    assert.deepEqual(await localStore(dir, 'pki').list(), []);
    assert.deepEqual(stored, []);
    await assert.rejects(restore.verifyStoredSnapshot({ cluster, snapshotId: meta().id }), (e: unknown) => {
      assert.ok(e instanceof ApplicationFailure);
      assert.equal(e.type, 'SnapshotNotFound');
      return true;
    });

    await backup.storeEtcdSnapshot(input);
    assert.deepEqual(stored, [['pki', '2026-11-23T10:00:00.000Z']]);
    assert.deepEqual(
      (await localStore(dir, 'pki').list()).map((m) => m.id),
      [meta().id],
    );
    const { encryption, ...verified } = await restore.verifyStoredSnapshot({
      cluster,
      snapshotId: meta().id,
    });
    assert.deepEqual(verified, meta());
    // Stored encrypted: the file in the folder is age ciphertext, not the snapshot.
    assert.equal(encryption?.format, 'age');
    const storedBytes = readFileSync(join(dir, `${meta().id}.db`));
    assert.equal(storedBytes.subarray(0, 21).toString(), 'age-encryption.org/v1');
    assert.equal(storedBytes.includes(snapshotBytes.subarray(0, 64)), false);
    assert.ok(readdirSync(dir).includes(`${meta().id}.db`));

    // A stored file changed after the fact is refused before anything is stopped.
    writeFileSync(join(dir, `${meta().id}.db`), Buffer.alloc(10));
    await assert.rejects(restore.verifyStoredSnapshot({ cluster, snapshotId: meta().id }), (e: unknown) => {
      assert.ok(e instanceof ApplicationFailure);
      assert.equal(e.type, 'SnapshotCorrupted');
      assert.equal(e.nonRetryable, true);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
