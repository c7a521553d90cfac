// The bundle manifest (manifest.json at the bundle root): what each component is, where it
// came from, and the size + sha256 + mode of every file, so a bundle can be verified before
// use and a host gets only what its roles need.
import { z } from 'zod';
import { ROLES, type Role } from '../spec';
import { BUNDLE_SOURCES, COMPONENT_NAMES, hostNeedsBinary, type ComponentName } from './components';
import { goBuildInfoSchema } from './go-buildinfo';
import { IMAGE_DIGEST_PATTERN, IMAGE_REF_PATTERN } from './images';

export const MANIFEST_FILE = 'manifest.json';
export const BUNDLE_API_VERSION = 'hakube.io/v1alpha1';

/** Relative, normalised, no `..`: a manifest must never point outside its bundle. */
const relativePath = z
  .string()
  .regex(/^[A-Za-z0-9._+-]+(\/[A-Za-z0-9._+-]+)*$/, 'a relative path of plain segments')
  .refine((p) => !p.split('/').some((s) => s === '.' || s === '..'), 'no "." or ".." segments');

export const bundleFileSchema = z.object({
  path: relativePath,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'lowercase hex sha256'),
  size: z.number().int().nonnegative(),
  /** Octal permission bits, e.g. "0755". */
  mode: z.string().regex(/^0[0-7]{3}$/, 'octal mode like 0755'),
});

/**
 * A component's file. `go`: what `go version -m` reads from a binary built here from Go
 * modules (source components only); absent in bundles built before it was recorded.
 */
export const componentFileSchema = bundleFileSchema.extend({ go: goBuildInfoSchema.optional() });

export const bundleComponentSchema = z.object({
  name: z.enum(COMPONENT_NAMES),
  version: z.string().min(1),
  source: z.enum(BUNDLE_SOURCES),
  /** URL (release), module@version (source) or package=version (debian). */
  origin: z.string().min(1),
  files: z.array(componentFileSchema).min(1),
});

/** A binary inside an image, by its absolute path there (e.g. /opt/bin/flanneld). */
const imageBinaryPath = z
  .string()
  .regex(/^(\/[A-Za-z0-9._+-]+)+$/, 'an absolute path of plain segments')
  .refine((p) => !p.split('/').some((s) => s === '.' || s === '..'), 'no "." or ".." segments');

/** An OCI image archive (tar of an OCI layout) that containerd imports on the hosts. */
export const bundleImageSchema = z.object({
  /** Full reference, e.g. registry.k8s.io/pause:3.10 (what pods and containerd ask for). */
  name: z.string().regex(IMAGE_REF_PATTERN, 'a full image reference like registry.k8s.io/pause:3.10'),
  /** The image manifest digest (index.json's entry in the archive). */
  digest: z.string().regex(IMAGE_DIGEST_PATTERN, 'sha256:<64 lowercase hex>'),
  /** module@version list, or pause.c@k8s.io/kubernetes@<version>. */
  origin: z.string().min(1),
  file: bundleFileSchema.extend({
    path: relativePath.refine((p) => /^images\/[^/]+\.tar$/.test(p), 'images/<name>.tar'),
    mode: z.literal('0644'),
  }),
  roles: z.array(z.enum(ROLES)).min(1),
  /**
   * The image's binaries built here from Go modules, with what `go version -m` reads from
   * them. Absent for pause (C), and in bundles built before it was recorded.
   */
  binaries: z
    .array(z.object({ path: imageBinaryPath, go: goBuildInfoSchema }))
    .min(1)
    .optional(),
});

export const bundleManifestSchema = z
  .object({
    apiVersion: z.literal(BUNDLE_API_VERSION),
    kind: z.literal('Bundle'),
    kubernetesVersion: z.string().regex(/^v\d+\.\d+\.\d+$/),
    arch: z.string().min(1),
    createdAt: z.string().min(1),
    goVersion: z.string().optional(),
    /** The cache key this bundle was built under (versions, arch, Go, sources). */
    cacheKey: z.string().optional(),
    components: z.array(bundleComponentSchema).min(1),
    /** Absent in bundles built before images existed (and with images: 'none'). */
    images: z.array(bundleImageSchema).optional(),
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    const names = new Set<string>();
    (m.images ?? []).forEach((img, ii) => {
      if (names.has(img.name))
        ctx.addIssue({
          code: 'custom',
          path: ['images', ii, 'name'],
          message: `duplicate image ${img.name}`,
        });
      names.add(img.name);
      if (seen.has(img.file.path))
        ctx.addIssue({
          code: 'custom',
          path: ['images', ii, 'file', 'path'],
          message: `duplicate file ${img.file.path}`,
        });
      seen.add(img.file.path);
    });
    m.components.forEach((c, ci) =>
      c.files.forEach((f, fi) => {
        // Recorded only for what was built here; a download's or package's claims are not.
        if (f.go && c.source !== 'source')
          ctx.addIssue({
            code: 'custom',
            path: ['components', ci, 'files', fi, 'go'],
            message: `Go build information is recorded only for source builds (${c.name} is ${c.source})`,
          });
        if (seen.has(f.path))
          ctx.addIssue({
            code: 'custom',
            path: ['components', ci, 'files', fi, 'path'],
            message: `duplicate file ${f.path}`,
          });
        seen.add(f.path);
      }),
    );
  });

export type BundleFile = z.infer<typeof bundleFileSchema>;
export type ComponentFile = z.infer<typeof componentFileSchema>;
export type BundleComponent = z.infer<typeof bundleComponentSchema>;
export type BundleImage = z.infer<typeof bundleImageSchema>;
export type BundleManifest = z.infer<typeof bundleManifestSchema>;

export function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

export function isExecutableMode(mode: string): boolean {
  return (parseInt(mode, 8) & 0o111) === 0o111;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The files a host with these roles needs, e.g. for the install's artifacts phase. */
export function filesForRoles(
  manifest: BundleManifest,
  roles: readonly Role[],
): { component: ComponentName; file: BundleFile }[] {
  return manifest.components.flatMap((c) =>
    c.files
      .filter((f) => hostNeedsBinary(c.name, baseName(f.path), roles))
      .map((file) => ({ component: c.name, file })),
  );
}

/** The image archives a host with these roles imports into containerd. */
export function imagesForRoles(manifest: BundleManifest, roles: readonly Role[]): BundleImage[] {
  return (manifest.images ?? []).filter((img) => img.roles.some((r) => roles.includes(r)));
}

/** Stable JSON text for manifest.json (2-space indent, trailing newline). */
export function renderManifest(manifest: BundleManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
