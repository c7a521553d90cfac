// The bundle manifest (manifest.json at the bundle root): what each component is, where it
// came from, and the size + sha256 + mode of every file, so a bundle can be verified before
// use and a host gets only what its roles need.
import { z } from 'zod';
import type { Role } from '../spec';
import { BUNDLE_SOURCES, COMPONENT_NAMES, hostNeedsBinary, type ComponentName } from './components';

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

export const bundleComponentSchema = z.object({
  name: z.enum(COMPONENT_NAMES),
  version: z.string().min(1),
  source: z.enum(BUNDLE_SOURCES),
  /** URL (release), module@version (source) or package=version (debian). */
  origin: z.string().min(1),
  files: z.array(bundleFileSchema).min(1),
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
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    m.components.forEach((c, ci) =>
      c.files.forEach((f, fi) => {
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
export type BundleComponent = z.infer<typeof bundleComponentSchema>;
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

/** Stable JSON text for manifest.json (2-space indent, trailing newline). */
export function renderManifest(manifest: BundleManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
