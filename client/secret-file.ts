// A secret file hakube makes once (the worker's backup signing key and identity, the codec
// server's token): 0600 in a 0700 folder, written with O_EXCL so two processes starting at once
// never each make one of their own (the loser reads the winner's).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes `content` to `file` unless it already exists. */
export function createSecretFileOnce(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}
