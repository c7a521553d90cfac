// The e2e test images `hakube conformance build` makes, for images the offline bundle does not
// carry in the form the tests need. The bundle's agnhost is the Go binary alone (enough for the
// add-ons' checks); Conformance tests exec `sh -c "curl ..."`, `nc`, `dig` inside it, as
// upstream's image (Alpine + tools) allows. So, on one Debian userland layer (debian-rootfs.ts):
//   agnhost            + /agnhost from the bundle's own agnhost Go build, porter's test certs
//   nginx              entrypoint nginx -g 'daemon off;' (Debian's nginx-light)
//   glibc-dns-testing  the userland itself (upstream: debian:bookworm-slim + dnsutils)
//   busybox            busybox 1.37.0 built from its release source (busybox-source.ts), applet links
// Named e2e.hakube.local/<registry>/<name>:<e2e tag> (images-plan.ts): the names are the ids
// e2e.test asks for, not a claim to be upstream's bytes (docs/conformance.md lists versions).
// Archives are written by the bundle's image-builder and cached like the bundle's images, by
// builder and inputs: <cache>/images/<name>-<tag>-<arch>-<key>.tar (+ .digest).
import { chmod, copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { imageTable } from '../../cluster/bundle';
import { e2eImageRef, remappedRegistries, type E2EImageTable } from '../../cluster/conformance';
import { run, type ProgressFn } from '../bundle/exec';
import { cachedImageArchive, ensureImageBuilder } from '../bundle/images';
import { buildGoRecipe } from '../bundle/go-module-build';
import { findGo, goCacheDirs, type GoToolchain } from '../bundle/go-toolchain';
import { imageGoRecipe } from '../bundle/source-recipes';
import { hostGoArch } from './build';
import { BUSYBOX_SOURCE, ensureBusybox } from './busybox-source';
import { ensureDebianRootfs, USERLAND } from './debian-rootfs';

export interface ConformanceImage {
  /** e2e image id: Agnhost, BusyBox, ... */
  id: string;
  /** The name e2e.test asks for (remapped registry). */
  ref: string;
  archive: string;
  digest: string;
  /** What is in it, for the docs and the summary. */
  what: string;
}

interface ImageDef {
  id: string;
  what: string;
  layers: string[];
  entrypoint?: string[];
  cmd?: string[];
}

async function tarOf(dir: string, out: string): Promise<string> {
  await run(
    'tar',
    [
      '--create',
      '--file',
      out,
      '--directory',
      dir,
      '--numeric-owner',
      '--owner=0',
      '--group=0',
      '--sort=name',
      '--mtime=@0',
      '.',
    ],
    {
      component: 'conformance',
    },
  );
  return out;
}

/** /agnhost (the bundle's agnhost build), /agnhost-2, /uploads and porter's certificates, as upstream's Dockerfile adds them. */
async function agnhostLayer(
  tc: GoToolchain,
  kubernetesVersion: string,
  cacheDir: string,
  work: string,
  onProgress?: ProgressFn,
) {
  const recipe = imageTable(kubernetesVersion).find((r) => r.id === 'agnhost');
  if (!recipe || recipe.source.kind !== 'go') throw new Error('no agnhost in the image table');
  const built = await buildGoRecipe(tc, imageGoRecipe(recipe), { cacheDir, arch: hostGoArch(), onProgress });
  const dir = join(work, 'agnhost');
  await mkdir(join(dir, 'uploads'), { recursive: true });
  await copyFile(built.binaries.agnhost, join(dir, 'agnhost'));
  await chmod(join(dir, 'agnhost'), 0o755);
  await symlink('agnhost', join(dir, 'agnhost-2'));
  const porter = join(
    goCacheDirs(cacheDir).modCache,
    'k8s.io',
    `kubernetes@${kubernetesVersion}`,
    'test/images/agnhost/porter',
  );
  for (const f of ['localhost.crt', 'localhost.key']) await copyFile(join(porter, f), join(dir, f));
  return tarOf(dir, join(work, 'agnhost.tar'));
}

/** /bin/busybox built from busybox's release source (busybox-source.ts), a link per applet, and the minimal /etc a busybox image has. */
async function busyboxLayer(busybox: string, work: string) {
  const dir = join(work, 'busybox');
  const bin = join(dir, 'bin/busybox');
  await mkdir(dirname(bin), { recursive: true });
  await copyFile(busybox, bin);
  await chmod(bin, 0o755);
  const applets = (await run(bin, ['--list-full'], { captureStdout: true }))
    .split('\n')
    .filter((l) => /^[a-z0-9/._-]+$/.test(l));
  // Upstream's busybox image has every applet in /bin (tests run /bin/sysctl); busybox lists
  // some under sbin/ and usr/: linked at both places.
  const links = new Set(applets.flatMap((a) => [a, `bin/${a.slice(a.lastIndexOf('/') + 1)}`]));
  links.delete('bin/busybox');
  for (const a of links) {
    await mkdir(join(dir, dirname(a)), { recursive: true });
    await symlink('/bin/busybox', join(dir, a)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
  await mkdir(join(dir, 'etc'), { recursive: true });
  await writeFile(
    join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n',
  );
  await writeFile(join(dir, 'etc/group'), 'root:x:0:\nnobody:x:65534:\n');
  for (const d of ['tmp', 'root', 'home']) await mkdir(join(dir, d), { recursive: true });
  await chmod(join(dir, 'tmp'), 0o1777);
  return tarOf(dir, join(work, 'busybox.tar'));
}

export async function buildConformanceImages(opts: {
  kubernetesVersion: string;
  cacheDir: string;
  table: E2EImageTable;
  onProgress?: ProgressFn;
}): Promise<ConformanceImage[]> {
  const say = opts.onProgress;
  const tc = await findGo();
  const arch = hostGoArch();
  // The bundle's image-builder, with prepared layers instead of single files.
  const builder = await ensureImageBuilder(tc, { cacheDir: opts.cacheDir, arch, onProgress: say });
  const rootfs = await ensureDebianRootfs(opts.cacheDir, USERLAND, say);
  const work = join(opts.cacheDir, 'tmp', `conformance-images-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    const defs: ImageDef[] = [
      {
        id: 'Agnhost',
        what: `agnhost ${opts.kubernetesVersion} (the bundle's Go build) on Debian bookworm with curl, dig, nc, ip, iperf, socat`,
        layers: [rootfs, await agnhostLayer(tc, opts.kubernetesVersion, opts.cacheDir, work, say)],
        entrypoint: ['/agnhost'],
        cmd: ['pause'],
      },
      {
        id: 'Nginx',
        what: "Debian bookworm's nginx-light",
        layers: [rootfs],
        entrypoint: ['nginx', '-g', 'daemon off;'],
      },
      { id: 'GlibcDnsTesting', what: 'Debian bookworm with dnsutils', layers: [rootfs], cmd: ['/bin/bash'] },
      {
        id: 'BusyBox',
        what: `busybox ${BUSYBOX_SOURCE.version} built from its release source (static, default configuration)`,
        layers: [await busyboxLayer(await ensureBusybox(opts.cacheDir, arch, say), work)],
        cmd: ['sh'],
      },
    ];
    const remapped = remappedRegistries(opts.table);
    const out: ConformanceImage[] = [];
    for (const def of defs) {
      const image = opts.table.images.find((i) => i.id === def.id);
      if (!image) continue; // this Kubernetes version's e2e has no such image
      const ref = e2eImageRef(image, remapped);
      const spec = {
        name: ref,
        os: 'linux',
        arch,
        files: [],
        layers: def.layers,
        entrypoint: def.entrypoint,
        cmd: def.cmd,
      };
      const { path: archive, digest } = await cachedImageArchive(builder, spec, opts.cacheDir, say);
      say?.(`conformance images: ${ref} ${digest.slice(0, 19)}… (${def.what})`);
      out.push({ id: def.id, ref, archive, digest, what: def.what });
    }
    return out;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
