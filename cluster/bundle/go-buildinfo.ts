// The Go build information of the binaries a bundle builds from Go modules: what
// `go version -m <binary>` prints from the binary's embedded runtime/debug.BuildInfo (Go
// version, main package, main module, every dependency module with its go.sum hash `h1:…`
// and replacement, build settings). The manifest records it per binary, so an install can be
// audited and rebuilt from the same modules. Pure: schema, parser, renderer, and which
// binaries of a manifest are Go builds; activities/bundle/go-buildinfo.ts reads the binaries.
import { z } from 'zod';
import type { ComponentName } from './components';
import { imageTable } from './images';
import type { BundleManifest } from './manifest';

/** Module and package paths: slash-separated elements of the characters Go allows. */
export const GO_MODULE_PATH_PATTERN = /^[A-Za-z0-9_.~+-]+(?:\/[A-Za-z0-9_.~+-]+)*$/;
/** A semantic version (releases, pre-releases, pseudo-versions, +incompatible) or "(devel)". */
export const GO_MODULE_VERSION_PATTERN =
  /^(?:\(devel\)|v(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)$/;
/** go.sum's hash of a module's files: "h1:" and the base64 of a SHA-256. */
export const GO_SUM_PATTERN = /^h1:[A-Za-z0-9+/]{43}=$/;
/** go1.26.8, go1.27rc1, "go1.26.8 X:boringcrypto", "devel go1.27-abc123 Tue Jan 6 …". */
export const GO_VERSION_PATTERN = /^(?:devel )?go1\.\d+[0-9A-Za-z.+-]*(?: [\x21-\x7e]+)*$/;

const goPath = z
  .string()
  .max(512)
  .regex(GO_MODULE_PATH_PATTERN, 'a Go module or package path')
  .refine((p) => !p.split('/').some((s) => s === '.' || s === '..'), 'no "." or ".." elements');
/** A replacement by a local folder (`replace x => ../x`): recorded as written in go.mod. */
const localDir = z
  .string()
  .max(1024)
  .regex(/^(?:\.{1,2}(?:\/|$)|\/)[\x20-\x7e]*$/, 'a local folder (./, ../ or /)');
const goVersion = z.string().regex(GO_MODULE_VERSION_PATTERN, 'a module version like v1.2.3 or (devel)');
const goSum = z.string().regex(GO_SUM_PATTERN, 'a go.sum hash like h1:<base64 sha256>');

export const goModuleSchema = z.object({
  path: goPath,
  version: goVersion,
  sum: goSum.optional(),
});

export const goDependencySchema = goModuleSchema.extend({
  /** `=>` in `go version -m`: what the build used instead (its sum is the one that counts). */
  replace: goModuleSchema.extend({ path: z.union([goPath, localDir]) }).optional(),
});

export const goBuildInfoSchema = z.object({
  goVersion: z.string().max(256).regex(GO_VERSION_PATTERN, 'a Go version like go1.26.8'),
  /** The main package, e.g. k8s.io/kubernetes/cmd/kubelet. */
  path: goPath,
  /**
   * The module holding the main package (absent for builds outside a module); replaced too when
   * the build's go.mod replaces it (etcd's server module is, by its own released version).
   */
  main: goDependencySchema.optional(),
  deps: z.array(goDependencySchema),
  /** `build` lines: -trimpath, CGO_ENABLED, GOOS, GOARCH, -ldflags (Go omits it with -trimpath), … */
  settings: z.record(
    z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a build setting name'),
    z.string().max(65536),
  ),
});

export type GoModule = z.infer<typeof goModuleSchema>;
export type GoDependency = z.infer<typeof goDependencySchema>;
export type GoBuildInfo = z.infer<typeof goBuildInfoSchema>;

export class GoBuildInfoParseError extends Error {
  override name = 'GoBuildInfoParseError';
}

// ---- Go string literals (build settings with spaces or quotes are strconv.Quote'd) ----

/** Length of the Go string literal (`"…"` or `` `…` ``) at the start of `s`. */
function quotedPrefixLength(s: string): number {
  if (s[0] === '`') {
    const end = s.indexOf('`', 1);
    if (end < 0) throw new GoBuildInfoParseError(`unterminated raw string: ${s.slice(0, 40)}`);
    return end + 1;
  }
  for (let i = 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i + 1;
  }
  throw new GoBuildInfoParseError(`unterminated string: ${s.slice(0, 40)}`);
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
  "'": 39,
  '"': 34,
};

/** strconv.Unquote for a whole `"…"` or `` `…` `` literal (escapes may spell UTF-8 bytes). */
export function goUnquote(literal: string): string {
  const bad = () => new GoBuildInfoParseError(`not a Go string literal: ${literal.slice(0, 60)}`);
  if (literal.length < 2 || literal[0] !== literal[literal.length - 1]) throw bad();
  const body = literal.slice(1, -1);
  if (literal[0] === '`') {
    if (body.includes('`')) throw bad();
    return body;
  }
  if (literal[0] !== '"') throw bad();
  const bytes: number[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < body.length;) {
    const c = body[i];
    if (c === '"' || c === '\n') throw bad();
    if (c !== '\\') {
      const cp = body.codePointAt(i) as number;
      bytes.push(...utf8.encode(String.fromCodePoint(cp)));
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = body[i + 1];
    const hex = (n: number) => {
      const h = body.slice(i + 2, i + 2 + n);
      if (!new RegExp(`^[0-9A-Fa-f]{${n}}$`).test(h)) throw bad();
      return parseInt(h, 16);
    };
    if (e !== undefined && e in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[e]);
      i += 2;
    } else if (e === 'x') {
      bytes.push(hex(2));
      i += 4;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      bytes.push(...utf8.encode(String.fromCodePoint(hex(n))));
      i += 2 + n;
    } else if (e !== undefined && /[0-7]/.test(e)) {
      const o = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) throw bad();
      bytes.push(parseInt(o, 8));
      i += 4;
    } else throw bad();
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

/** strconv.Quote, for the characters build settings carry (printable text is kept as is). */
export function goQuote(s: string): string {
  const named: Record<string, string> = {
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
    '"': '\\"',
    '\\': '\\\\',
  };
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (named[ch]) out += named[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

// Go quotes a build key or value that contains these (runtime/debug.quoteKey/quoteValue).
const needsQuotedKey = (k: string) => !k || /[= \t\r\n"`]/.test(k);
const needsQuotedValue = (v: string) => /[ \t\r\n"`]/.test(v);

function parseSetting(kv: string, where: string): [string, string] {
  let key: string;
  let raw: string;
  if (kv[0] === '"' || kv[0] === '`') {
    const n = quotedPrefixLength(kv);
    key = goUnquote(kv.slice(0, n));
    if (kv[n] !== '=') throw new GoBuildInfoParseError(`${where}: build line without "="`);
    raw = kv.slice(n + 1);
  } else {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new GoBuildInfoParseError(`${where}: build line without a key and "="`);
    key = kv.slice(0, eq);
    raw = kv.slice(eq + 1);
  }
  return [key, raw[0] === '"' || raw[0] === '`' ? goUnquote(raw) : raw];
}

// ---- `go version -m` text ----

export interface GoVersionEntry {
  /** The file as `go version -m` named it. */
  file: string;
  info: GoBuildInfo;
}

interface RawEntry {
  file: string;
  goVersion: string;
  lines: { n: number; text: string }[];
}

function parseModule(fields: string[], where: string): GoModule {
  if (fields.length !== 2 && fields.length !== 3)
    throw new GoBuildInfoParseError(`${where}: expected path, version and an optional sum`);
  const [path, version, sum] = fields;
  return { path, version, ...(sum ? { sum } : {}) };
}

function parseEntry(raw: RawEntry): GoBuildInfo {
  let path: string | undefined;
  let main: GoModule | undefined;
  const deps: GoDependency[] = [];
  const settings: Record<string, string> = {};
  /** The module a following `=>` line replaces: the main module's or a dependency's. */
  let last: GoDependency | undefined;
  for (const { n, text } of raw.lines) {
    const where = `${raw.file}: line ${n}`;
    const tab = text.indexOf('\t');
    const word = tab < 0 ? text : text.slice(0, tab);
    const rest = tab < 0 ? '' : text.slice(tab + 1);
    switch (word) {
      case 'path':
        if (path !== undefined || !rest)
          throw new GoBuildInfoParseError(`${where}: bad or repeated path line`);
        path = rest;
        last = undefined;
        break;
      case 'mod':
        if (main) throw new GoBuildInfoParseError(`${where}: second mod line`);
        main = parseModule(rest.split('\t'), where);
        last = main;
        break;
      case 'dep':
        last = parseModule(rest.split('\t'), where);
        deps.push(last);
        break;
      case '=>':
        // Go writes a replaced module without its own sum, then the replacement.
        if (!last || last.replace || last.sum)
          throw new GoBuildInfoParseError(`${where}: "=>" does not follow a module without a sum`);
        last.replace = parseModule(rest.split('\t'), where);
        break;
      case 'build': {
        const [key, value] = parseSetting(rest, where);
        if (key in settings) throw new GoBuildInfoParseError(`${where}: build setting ${key} twice`);
        settings[key] = value;
        last = undefined;
        break;
      }
      default:
        throw new GoBuildInfoParseError(`${where}: unexpected line "${text.slice(0, 60)}"`);
    }
  }
  if (path === undefined)
    throw new GoBuildInfoParseError(`${raw.file}: no module information (not built from a Go module)`);
  const parsed = goBuildInfoSchema.safeParse({
    goVersion: raw.goVersion,
    path,
    ...(main ? { main } : {}),
    deps,
    settings,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GoBuildInfoParseError(`${raw.file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * The output of `go version -m FILE...`: per file a `FILE: goVERSION` line, then tab-indented
 * `path`, `mod`, `dep`, `=>` and `build` lines (blank ones after each replacement). Every
 * entry is validated (paths, versions, h1: sums); throws GoBuildInfoParseError.
 */
export function parseGoVersionM(text: string): GoVersionEntry[] {
  const raws: RawEntry[] = [];
  text.split('\n').forEach((rawLine, i) => {
    const line = rawLine.replace(/\r$/, '');
    if (!line.trim()) return;
    if (line[0] !== '\t') {
      const at = line.lastIndexOf(': ');
      if (at <= 0) throw new GoBuildInfoParseError(`line ${i + 1}: expected "<file>: <go version>"`);
      raws.push({ file: line.slice(0, at), goVersion: line.slice(at + 2), lines: [] });
      return;
    }
    const current = raws[raws.length - 1];
    if (!current) throw new GoBuildInfoParseError(`line ${i + 1}: build information before a file line`);
    current.lines.push({ n: i + 1, text: line.slice(1) });
  });
  return raws.map((raw) => ({ file: raw.file, info: parseEntry(raw) }));
}

/** The `go version -m FILE` text for one recorded binary (parseGoVersionM's inverse). */
export function renderGoVersionM(file: string, info: GoBuildInfo): string {
  const mod = (word: string, m: GoModule) => `\t${word}\t${m.path}\t${m.version}\t${m.sum ?? ''}`;
  // As Go's BuildInfo.String: a replaced module without a sum, the replacement, a blank line.
  const entry = (word: string, m: GoDependency) =>
    m.replace ? [`\t${word}\t${m.path}\t${m.version}`, mod('=>', m.replace), '\t'] : [mod(word, m)];
  const lines = [`${file}: ${info.goVersion}`, `\tpath\t${info.path}`];
  if (info.main) lines.push(...entry('mod', info.main));
  for (const d of info.deps) lines.push(...entry('dep', d));
  for (const [k, v] of Object.entries(info.settings))
    lines.push(`\tbuild\t${needsQuotedKey(k) ? goQuote(k) : k}=${needsQuotedValue(v) ? goQuote(v) : v}`);
  return `${lines.join('\n')}\n`;
}

/** Columns for a listing: Go version, main package, main module, module count, key settings. */
export function goBuildInfoColumns(info: GoBuildInfo): string[] {
  const s = info.settings;
  const flags = [
    s.GOOS && s.GOARCH ? `${s.GOOS}/${s.GOARCH}` : undefined,
    s.CGO_ENABLED !== undefined ? `CGO_ENABLED=${s.CGO_ENABLED}` : undefined,
    s['-trimpath'] === 'true' ? '-trimpath' : undefined,
    s['-ldflags'] !== undefined ? `-ldflags=${goQuote(s['-ldflags'])}` : undefined,
  ].filter(Boolean);
  const n = info.deps.length;
  return [
    info.goVersion,
    info.path,
    info.main ? `${info.main.path}@${info.main.version}` : '(no main module)',
    `${n} module${n === 1 ? '' : 's'}`,
    flags.join(' '),
  ];
}

// ---- which binaries of a bundle are Go builds made here ----

export type GoBuiltBinary =
  | {
      kind: 'component';
      /** Bundle-relative path, e.g. bin/kubelet (also the binary's display name). */
      name: string;
      component: ComponentName;
      go?: GoBuildInfo;
    }
  | {
      kind: 'image';
      /** "<image ref> <path in the image>", e.g. "registry.k8s.io/coredns/coredns:v1.15.0 /coredns". */
      name: string;
      image: string;
      /** The image archive, bundle-relative. */
      archive: string;
      /** Absolute path of the binary in the image. */
      binary: string;
      go?: GoBuildInfo;
    };

/** The Go binary of an image (by its repository in the image table), or undefined (pause, unknown). */
export function goImageBinary(kubernetesVersion: string, imageName: string): string | undefined {
  const repository = imageName.slice(0, imageName.lastIndexOf(':'));
  const recipe = imageTable(kubernetesVersion).find((r) => r.repository === repository);
  return recipe?.source.kind === 'go' ? recipe.binary : undefined;
}

/** GoBuiltBinary name of an image's binary. */
export function imageBinaryName(image: string, binary: string): string {
  return `${image} ${binary}`;
}

type ManifestImage = NonNullable<BundleManifest['images']>[number];

/** An image's Go binaries: those recorded, else the one its table entry builds with Go. */
function imageGoBinaries(
  kubernetesVersion: string,
  img: ManifestImage,
): { path: string; go?: GoBuildInfo }[] {
  if (img.binaries?.length) return img.binaries;
  const binary = goImageBinary(kubernetesVersion, img.name);
  return binary ? [{ path: binary }] : [];
}

/**
 * The bundle's binaries built here from Go modules, with what the manifest records for them:
 * every file of a `source` component, and the binary of every image built with Go. Release
 * downloads, Debian packages and pause (C) are not among them.
 */
export function goBuiltBinaries(manifest: BundleManifest): GoBuiltBinary[] {
  const out: GoBuiltBinary[] = [];
  for (const c of manifest.components) {
    if (c.source !== 'source') continue;
    for (const f of c.files) out.push({ kind: 'component', name: f.path, component: c.name, go: f.go });
  }
  for (const img of manifest.images ?? [])
    for (const b of imageGoBinaries(manifest.kubernetesVersion, img))
      out.push({
        kind: 'image',
        name: imageBinaryName(img.name, b.path),
        image: img.name,
        archive: img.file.path,
        binary: b.path,
        go: b.go,
      });
  return out;
}

/** The manifest with `found` (by GoBuiltBinary name) recorded; other entries unchanged. */
export function withGoBuildInfo(
  manifest: BundleManifest,
  found: ReadonlyMap<string, GoBuildInfo>,
): BundleManifest {
  const images = manifest.images?.map((img) => {
    const binaries = imageGoBinaries(manifest.kubernetesVersion, img).map((b) => ({
      path: b.path,
      go: found.get(imageBinaryName(img.name, b.path)) ?? b.go,
    }));
    if (!binaries.length || !binaries.every((b): b is { path: string; go: GoBuildInfo } => !!b.go))
      return img;
    return { ...img, binaries };
  });
  return {
    ...manifest,
    components: manifest.components.map((c) =>
      c.source !== 'source'
        ? c
        : { ...c, files: c.files.map((f) => (found.has(f.path) ? { ...f, go: found.get(f.path) } : f)) },
    ),
    ...(images ? { images } : {}),
  };
}
