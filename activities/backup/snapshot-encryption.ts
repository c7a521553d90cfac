// Snapshots are encrypted on the worker as they stream in from the member (the plaintext is
// never written to the worker's disk), before they reach the backup target, in the age format
// (age-encryption: X25519 recipients, ChaCha20-Poly1305 in 64 KiB authenticated chunks, streamed),
// so a stolen bucket or folder holds ciphertext only, and anyone with the identity file can
// still decrypt one by hand in a disaster (`age -d -i backup-identity.age <id>.db`).
//
// The identity (private key) lives on the worker's machine only: $HAKUBE_HOME/backup-identity.age
// or HAKUBE_BACKUP_IDENTITY_FILE, made on first use (0600), never in the spec, the history, a log
// or the target. Metadata names the recipient (public), so a restore says which identity it needs.
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadable } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from '../../cluster/errors';
import { hakubeHome } from '../../client/paths';
import { expandPath } from '../ssh-hosts';
import { createSecretFileOnce } from '../../client/secret-file';

export const ENV_BACKUP_IDENTITY_FILE = 'HAKUBE_BACKUP_IDENTITY_FILE';
const IDENTITY = /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/;

export function backupIdentityFile(env: NodeJS.ProcessEnv = process.env): string {
  return expandPath(env[ENV_BACKUP_IDENTITY_FILE] ?? join(hakubeHome(env), 'backup-identity.age'));
}

// age-encryption is an ES module: loaded with import(), which this CommonJS build keeps as is.
const ageModule = () => import('age-encryption');

function readIdentity(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const identity = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (!identity || !IDENTITY.test(identity))
    throw ApplicationFailure.create({
      type: ErrorTypes.ConfigInvalid,
      message: `backup identity ${file} holds no age identity (AGE-SECRET-KEY-1...)`,
      nonRetryable: true,
    });
  return identity;
}

export interface SnapshotCipher {
  readonly identityFile: string;
  /** The public recipient snapshots are encrypted to (made with the identity when there is none). */
  recipient(): Promise<string>;
  /** Encrypts `plainFile` into `outFile`; the sha256 and size of what was written. */
  encrypt(plainFile: string, outFile: string): Promise<{ sha256: string; bytes: number }>;
  /** The same from a stream (the plaintext straight from the member, never in a file here). */
  encryptStream(plain: Readable, outFile: string): Promise<{ sha256: string; bytes: number }>;
  /** Decrypts `encryptedFile` into `outFile`; every chunk is authenticated (SnapshotTampered otherwise). */
  decrypt(encryptedFile: string, outFile: string, recipient: string): Promise<void>;
}

export function snapshotCipher(identityFile = backupIdentityFile()): SnapshotCipher {
  let identity: string | undefined;
  const load = async (create: boolean): Promise<string | undefined> => {
    identity ??= readIdentity(identityFile);
    if (!identity && create) {
      const age = await ageModule();
      createSecretFileOnce(
        identityFile,
        `# hakube backup identity: keep a copy apart from the backups\n${await age.generateIdentity()}\n`,
      );
      identity = readIdentity(identityFile);
    }
    return identity;
  };
  return {
    identityFile,
    async recipient() {
      const age = await ageModule();
      return age.identityToRecipient((await load(true)) as string);
    },
    encrypt(plainFile, outFile) {
      return this.encryptStream(createReadStream(plainFile), outFile);
    },
    async encryptStream(plain, outFile) {
      const age = await ageModule();
      const encrypter = new age.Encrypter();
      encrypter.addRecipient(await this.recipient());
      const encrypted = await encrypter.encrypt(Readable.toWeb(plain) as ReadableStream<Uint8Array>);
      const hash = createHash('sha256');
      let bytes = 0;
      const measure = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(
        Readable.fromWeb(encrypted as WebReadable<Uint8Array>),
        measure,
        createWriteStream(outFile, { mode: 0o600 }),
      );
      return { sha256: hash.digest('hex'), bytes };
    },
    async decrypt(encryptedFile, outFile, recipient) {
      const age = await ageModule();
      const own = await load(false);
      if (!own || (await age.identityToRecipient(own)) !== recipient)
        throw ApplicationFailure.create({
          type: ErrorTypes.ConfigInvalid,
          message: `the snapshot is encrypted to ${recipient}; ${identityFile} ${own ? `is the identity of ${await age.identityToRecipient(own)}` : 'does not exist'}: put the matching backup identity there`,
          nonRetryable: true,
        });
      const decrypter = new age.Decrypter();
      decrypter.addIdentity(own);
      try {
        const plain = await decrypter.decrypt(
          Readable.toWeb(createReadStream(encryptedFile)) as ReadableStream<Uint8Array>,
        );
        await pipeline(
          Readable.fromWeb(plain as WebReadable<Uint8Array>),
          createWriteStream(outFile, { mode: 0o600 }),
        );
      } catch (err) {
        throw ApplicationFailure.create({
          type: ErrorTypes.SnapshotTampered,
          message: `the stored snapshot does not decrypt: ${(err as Error).message}`,
          nonRetryable: true,
        });
      }
    },
  };
}
