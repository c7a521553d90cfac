// Bundle verification, once per worker process and bundle state. verifyBundle hashes every
// file (hundreds of MiB), and an install runs ensureBinaries on every host at once: without
// this each of them re-hashed the whole bundle. A verification is remembered against the
// bundle's fingerprint — the stat (device, inode, size, mtime, ctime) of the manifest and of
// every file it lists — so any change on disk (a rebuild, an edited or replaced file, even one
// with its mtime put back: ctime still moves) is verified again. Failures are never remembered.
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MANIFEST_FILE } from '../../cluster/bundle';
import { readManifest, verifyBundle } from '../bundle';
import { BundleVerifyError } from '../bundle/errors';
import type { BundleVerification } from '../metrics';

export interface BundleVerifier {
  /** Resolves when `dir` verifies (throws BundleVerifyError otherwise); says whether it hashed. */
  verify(dir: string): Promise<Exclude<BundleVerification, 'refused'>>;
}

async function statKey(path: string): Promise<string> {
  try {
    const st = await stat(path, { bigint: true });
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch {
    return 'absent';
  }
}

/** The stat of the manifest and of every file it lists; throws BundleVerifyError for a bad manifest. */
export async function bundleFingerprint(dir: string): Promise<string> {
  const manifest = await readManifest(dir);
  const paths = [
    MANIFEST_FILE,
    ...manifest.components.flatMap((c) => c.files.map((f) => f.path)),
    ...(manifest.images ?? []).map((i) => i.file.path),
  ];
  const stats = await Promise.all(paths.map(async (p) => `${p}=${await statKey(join(dir, p))}`));
  return stats.join('\n');
}

interface Entry {
  fingerprint: string;
  /** Shared by every caller that asks while the hashing runs: one hashing at a time per state. */
  done: Promise<void>;
}

/** The bundle moved while it was hashed: what passed may not be what is there now. */
class ChangedWhileVerified extends Error {}

const ATTEMPTS = 3;

export function cachedBundleVerifier(
  verify: (dir: string) => Promise<unknown> = verifyBundle,
  fingerprint: (dir: string) => Promise<string> = bundleFingerprint,
): BundleVerifier {
  const entries = new Map<string, Entry>();

  async function once(key: string): Promise<'verified' | 'cached'> {
    const before = await fingerprint(key);
    const known = entries.get(key);
    if (known?.fingerprint === before) {
      await known.done;
      return 'cached';
    }
    const entry: Entry = {
      fingerprint: before,
      done: (async () => {
        await verify(key);
        if ((await fingerprint(key)) !== before) throw new ChangedWhileVerified();
      })(),
    };
    entries.set(key, entry);
    // Failures are not remembered: the next call hashes again.
    entry.done.catch(() => entries.get(key) === entry && entries.delete(key));
    await entry.done;
    return 'verified';
  }

  return {
    async verify(dir) {
      const key = resolve(dir);
      for (let attempt = 1; ; attempt++) {
        try {
          return await once(key);
        } catch (err) {
          if (!(err instanceof ChangedWhileVerified)) throw err;
          if (attempt === ATTEMPTS)
            throw new BundleVerifyError(`${dir}: the bundle kept changing while it was verified`);
        }
      }
    },
  };
}
