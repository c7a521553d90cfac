// The busybox of the e2e busybox image, built from busybox's own release source as upstream's
// image has it (busybox 1.37.0, default configuration, static). Debian's busybox-static (1.35)
// is not the same shell: its ash drops environment names that are not identifiers (`data-1`,
// which "Secrets/ConfigMap should be consumable via the environment" read back with
// `sh -c env`), which 1.37's ash passes on; and bash, which keeps them, words its errors
// otherwise than the "can't create /file: Read-only file system" a kubelet test expects.
// The release tarball comes from the Debian archive's source pool (the upstream tarball as
// Debian ships it, `.orig`), pinned by its sha256. Cached by recipe:
//   <cache>/conformance/busybox-<version>-<arch>-<hash>/busybox
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { debianMirror } from '../../lab/base';
import { downloadWithSha256 } from '../bundle/download';
import { run, type ProgressFn } from '../bundle/exec';
import { exists, sha256Text } from '../bundle/files';

export const BUSYBOX_SOURCE = {
  version: '1.37.0',
  /** In the Debian archive (listed in trixie's main/source/Sources with this sha256). */
  pool: 'pool/main/b/busybox/busybox_1.37.0.orig.tar.bz2',
  sha256: '3311dff32e746499f4df0d5df04d7eb396382d7e108bb9250e7b519b837043a4',
  /** Applied to `make defconfig`: a static binary, as the image has no libc. */
  config: { CONFIG_STATIC: 'y' },
} as const;

const recipeHash = () => sha256Text(JSON.stringify({ r: 1, ...BUSYBOX_SOURCE })).slice(0, 12);

/** Sets `KEY=value` lines of a kconfig .config (replacing `# KEY is not set` or an old value). */
export function setKconfig(text: string, values: Record<string, string>): string {
  let out = text;
  for (const [key, value] of Object.entries(values)) {
    const line = new RegExp(`^(# ${key} is not set|${key}=.*)$`, 'm');
    out = line.test(out) ? out.replace(line, `${key}=${value}`) : `${out.trimEnd()}\n${key}=${value}\n`;
  }
  return out;
}

/** The static busybox binary, built once (gcc, make and bzip2 on this machine: scripts/setup.sh). */
export async function ensureBusybox(
  cacheDir: string,
  arch: string,
  onProgress?: ProgressFn,
): Promise<string> {
  const dir = join(cacheDir, 'conformance', `busybox-${BUSYBOX_SOURCE.version}-${arch}-${recipeHash()}`);
  const out = join(dir, 'busybox');
  if (await exists(out)) {
    onProgress?.(`conformance images: cached busybox ${BUSYBOX_SOURCE.version} ${out}`);
    return out;
  }
  const tarball = join(cacheDir, 'conformance', 'sources', `busybox_${BUSYBOX_SOURCE.version}.orig.tar.bz2`);
  onProgress?.(`conformance images: busybox ${BUSYBOX_SOURCE.version} source from the Debian archive`);
  await downloadWithSha256(`${debianMirror()}/${BUSYBOX_SOURCE.pool}`, BUSYBOX_SOURCE.sha256, tarball);
  const work = join(cacheDir, 'tmp', `busybox-build-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    await run('tar', ['--extract', '--bzip2', '--file', tarball, '--directory', work], {
      component: 'conformance',
    });
    const src = join(work, `busybox-${BUSYBOX_SOURCE.version}`);
    await run('make', ['-C', src, 'defconfig'], { component: 'conformance' });
    const config = join(src, '.config');
    await writeFile(config, setKconfig(await readFile(config, 'utf8'), BUSYBOX_SOURCE.config));
    onProgress?.(
      `conformance images: make busybox ${BUSYBOX_SOURCE.version} (static, default configuration)`,
    );
    await run('make', ['-C', src, `-j${Math.max(1, cpus().length)}`, 'busybox'], {
      component: 'conformance',
      heartbeat: onProgress ? { label: 'conformance images: make busybox', onProgress } : undefined,
    });
    await mkdir(dir, { recursive: true });
    const tmp = `${out}.tmp-${process.pid}`;
    await copyFile(join(src, 'busybox'), tmp);
    await rename(tmp, out);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return out;
}
