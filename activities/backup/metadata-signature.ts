// Snapshot metadata is signed with a key only the worker (and the CLI on its machine) holds, so
// metadata planted or edited at the backup target is refused as such. HMAC-SHA256 over the
// metadata's fields (cluster/backup/snapshot-meta.ts); the key file is created on first use
// (0600) and never leaves this machine: it is not in the spec, the history or the store.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { SIGNATURE, signedBytes, type StoredSnapshotMeta } from '../../cluster/backup/snapshot-meta';
import type { SnapshotMeta } from '../../cluster/backup/snapshots';
import { ErrorTypes } from '../../cluster/errors';
import { hakubeHome } from '../../client/paths';
import { expandPath } from '../ssh-hosts';
import { createSecretFileOnce } from '../../client/secret-file';

export const ENV_BACKUP_KEY_FILE = 'HAKUBE_BACKUP_KEY_FILE';
const KEY_BYTES = 32;

/** HAKUBE_BACKUP_KEY_FILE, else $HAKUBE_HOME/backup-signing.key. */
export function backupKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  return expandPath(env[ENV_BACKUP_KEY_FILE] ?? join(hakubeHome(env), 'backup-signing.key'));
}

export interface MetadataSigner {
  /** Where the key is (for messages), never the key. */
  readonly keyFile: string;
  sign(meta: SnapshotMeta): StoredSnapshotMeta;
  /** Undefined when `meta` carries a signature this key made over exactly these fields; else why not. */
  problem(meta: StoredSnapshotMeta): string | undefined;
}

function readKey(file: string): Buffer | undefined {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const key = Buffer.from(raw.toString('utf8').trim(), 'hex');
  if (key.length !== KEY_BYTES)
    throw ApplicationFailure.create({
      type: ErrorTypes.ConfigInvalid,
      message: `backup signing key ${file} is not ${KEY_BYTES} bytes of hex`,
      nonRetryable: true,
    });
  return key;
}

/** The signer of `keyFile`; with `create`, a missing key file is made (only signing needs that). */
export function metadataSigner(keyFile = backupKeyFile()): MetadataSigner {
  let key: Buffer | undefined;
  const load = (create: boolean): Buffer | undefined => {
    key ??= readKey(keyFile);
    if (!key && create) {
      createSecretFileOnce(keyFile, `${randomBytes(KEY_BYTES).toString('hex')}\n`);
      key = readKey(keyFile);
    }
    return key;
  };
  const idOf = (k: Buffer) => createHash('sha256').update(k).digest('hex').slice(0, 8);
  const mac = (k: Buffer, meta: SnapshotMeta) => createHmac('sha256', k).update(signedBytes(meta)).digest();
  return {
    keyFile,
    sign(meta) {
      const k = load(true) as Buffer;
      const { signature: _old, ...fields } = meta as StoredSnapshotMeta;
      return { ...fields, signature: `hmac-sha256:${idOf(k)}:${mac(k, fields).toString('hex')}` };
    },
    problem(meta) {
      if (!meta.signature) return 'unsigned';
      const m = SIGNATURE.exec(meta.signature);
      if (!m) return 'the signature is malformed';
      const k = load(false);
      if (!k) return `signed with key ${m[1]}, but there is no key at ${keyFile} to check it`;
      if (m[1] !== idOf(k)) return `signed with key ${m[1]}, not this worker's key ${idOf(k)} (${keyFile})`;
      const { signature: _sig, ...fields } = meta;
      return timingSafeEqual(Buffer.from(m[2], 'hex'), mac(k, fields))
        ? undefined
        : 'the signature does not match its fields (edited after it was written)';
    },
  };
}
