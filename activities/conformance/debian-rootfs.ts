// The userland of the e2e test images `hakube conformance build` makes (images.ts): a
// debootstrap'd Debian bookworm (minbase) with the tools upstream's agnhost image installs from
// Alpine (curl, dig/nslookup, nc, ip, iperf, socat, bash) and nginx, from the
// Debian mirror apt uses (lab/base.ts). Packed once as an uncompressed tar, cached by recipe:
//   <cache>/conformance/rootfs-<suite>-<hash>.tar
// Needs root (debootstrap, chroot), like the lab.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { debianMirror } from '../../lab/base';
import { run, type ProgressFn } from '../bundle/exec';
import { exists, sha256Text } from '../bundle/files';

export interface RootfsRecipe {
  suite: string;
  packages: readonly string[];
  /** Commands run in the tree (chroot) before packing. */
  setup: readonly string[];
}

/** agnhost's `apk add` list, in Debian's names; nginx for the image of that name. */
export const ROOTFS_PACKAGES = [
  'bash',
  'curl',
  'bind9-dnsutils',
  'netcat-openbsd',
  'iproute2',
  'iperf',
  'socat',
  'procps',
  'util-linux',
  'nginx-light',
];

/** Removed before packing: caches, docs and device nodes (the runtime provides /dev). */
const PRUNE = [
  'var/cache/apt/archives',
  'var/lib/apt/lists',
  'usr/share/doc',
  'usr/share/man',
  'usr/share/locale',
  'dev',
];

/** The images' userland; the users are those upstream's agnhost image creates (tests look them up). */
export const USERLAND: RootfsRecipe = {
  suite: 'bookworm',
  packages: ROOTFS_PACKAGES,
  setup: [
    'groupadd -g 50000 group-defined-in-image',
    'useradd -u 1000 -M -N -s /bin/sh user-defined-in-image',
    'usermod -a -G group-defined-in-image user-defined-in-image',
  ],
};

export function rootfsHash(recipe: RootfsRecipe): string {
  return sha256Text(
    JSON.stringify({
      r: 1,
      suite: recipe.suite,
      packages: recipe.packages,
      prune: PRUNE,
      setup: recipe.setup,
    }),
  ).slice(0, 12);
}

export async function ensureDebianRootfs(
  cacheDir: string,
  recipe: RootfsRecipe,
  onProgress?: ProgressFn,
): Promise<string> {
  const dir = join(cacheDir, 'conformance');
  const out = join(dir, `rootfs-${recipe.suite}-${rootfsHash(recipe)}.tar`);
  if (await exists(out)) {
    onProgress?.(`conformance images: cached Debian ${recipe.suite} tree ${out}`);
    return out;
  }
  await mkdir(dir, { recursive: true });
  const work = join(dir, `rootfs-build-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  try {
    onProgress?.(`conformance images: debootstrap ${recipe.suite} with ${recipe.packages.join(', ')}`);
    await run(
      'debootstrap',
      ['--variant=minbase', `--include=${recipe.packages.join(',')}`, recipe.suite, work, debianMirror()],
      {
        component: 'conformance',
        heartbeat: onProgress ? { label: 'conformance images: debootstrap', onProgress } : undefined,
      },
    );
    for (const cmd of recipe.setup)
      await run('chroot', [work, 'sh', '-c', cmd], { component: 'conformance' });
    for (const p of PRUNE) {
      await rm(join(work, p), { recursive: true, force: true });
      if (p === 'dev' || p.startsWith('var/')) await mkdir(join(work, p), { recursive: true });
    }
    // The runtime writes its own; debootstrap leaves the build machine's.
    await writeFile(join(work, 'etc/resolv.conf'), '');
    await writeFile(join(work, 'etc/hostname'), '');
    const tmp = `${out}.tmp-${process.pid}`;
    await run(
      'tar',
      [
        '--create',
        '--file',
        tmp,
        '--directory',
        work,
        '--numeric-owner',
        '--sort=name',
        '--mtime=@0',
        '--xattrs',
        '.',
      ],
      { component: 'conformance' },
    );
    await rename(tmp, out);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return out;
}
