// Which e2e images each Conformance test uses, read from the Kubernetes module's test sources:
// the test's own body, the setup around it (BeforeEach, closures and variables of the Describe
// blocks that enclose it, but not sibling tests), and everything those reach by name: functions
// and variables of the same package, and of other k8s.io/kubernetes/test/... packages. An image
// is used when its id appears as `imageutils.<Id>` (or GetPauseImageName) in that closure.
//
// Why statically: a test whose image is missing does not fail fast, it waits for its pod until
// the framework's timeout (minutes each), so missing images are skipped before the run. The
// reading is conservative where it cannot tell (a branch for Windows nodes, a closure shared
// by several tests): a test may be skipped for an image it would not have pulled, never run
// without one it needs, except through methods (`x.Method(`), which are not followed.
import { importsOf, lineOffset, maskGo, matchingClose, packageName, topLevelDecls } from './go-source';

export const KUBERNETES_MODULE = 'k8s.io/kubernetes';
const IMAGE_PACKAGE = `${KUBERNETES_MODULE}/test/utils/image`;
/** Package prefix whose declarations are followed. */
const FOLLOWED_PREFIX = `${KUBERNETES_MODULE}/test/`;
const CORE_V1 = 'k8s.io/api/core/v1';
/**
 * Not an image: what a test needs when it pulls with `imagePullPolicy: Always` — a registry that
 * serves its image. Nodes of an offline cluster only have imported images, so such a test fails
 * (ErrImagePull) however the images were brought; it is skipped with this as what it lacks.
 */
export const NEEDS_REGISTRY = 'RegistryForPullAlways';

export interface ListedTest {
  /** The full spec text, e.g. "[sig-node] Pods should ... [Conformance]". */
  name: string;
  /** Module-relative source file, e.g. test/e2e/common/node/pods.go. */
  file: string;
  line: number;
}

/**
 * `e2e.test --list-tests` output ("    k8s.io/kubernetes@v1.37.2/test/e2e/x.go:12: [sig-x] ... [Conformance]"),
 * keeping the tests whose name carries `[Conformance]`.
 */
export function parseListedConformanceTests(text: string): ListedTest[] {
  const out: ListedTest[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*k8s\.io\/kubernetes@[^/]+\/(\S+?\.go):(\d+): (.*\[Conformance\].*?)\s*$/.exec(line);
    if (m) out.push({ file: m[1], line: Number(m[2]), name: m[3] });
  }
  return out;
}

interface Decl {
  body: string;
  imports: Map<string, string>;
  dir: string;
}

interface PackageIndex {
  decls: Map<string, Decl>;
}

/** Module-relative folder of a module-relative file. */
const dirOf = (file: string) => file.slice(0, file.lastIndexOf('/'));

export class TestImageReader {
  private readonly packages = new Map<string, PackageIndex>();
  private readonly memo = new Map<string, Set<string>>();
  private readonly visiting = new Set<string>();

  /**
   * @param sources module-relative path -> content, for the non-test .go files under test/
   * @param imageIds the e2e image ids (manifest.go's configs)
   */
  constructor(
    private readonly sources: ReadonlyMap<string, string>,
    private readonly imageIds: ReadonlySet<string>,
  ) {}

  /** The e2e image ids the test at `file:line` uses (sorted). */
  imagesOf(test: Pick<ListedTest, 'file' | 'line'>): string[] {
    const text = this.sources.get(test.file);
    if (text === undefined) throw new Error(`${test.file}: not among the module's test sources`);
    const masked = maskGo(text);
    const scope = testScope(masked, lineOffset(masked, test.line));
    const found = this.refs(scope, importsOf(text), dirOf(test.file));
    return [...found].sort();
  }

  private index(dir: string): PackageIndex {
    let pkg = this.packages.get(dir);
    if (pkg) return pkg;
    pkg = { decls: new Map() };
    for (const [path, text] of this.sources) {
      if (dirOf(path) !== dir || !path.endsWith('.go')) continue;
      const imports = importsOf(text);
      for (const [name, body] of topLevelDecls(maskGo(text)).byName) {
        const prev = pkg.decls.get(name);
        pkg.decls.set(name, { body: (prev?.body ?? '') + body, imports: prev?.imports ?? imports, dir });
      }
    }
    this.packages.set(dir, pkg);
    return pkg;
  }

  private declRefs(dir: string, name: string): Set<string> {
    const key = `${dir}:${name}`;
    const done = this.memo.get(key);
    if (done) return done;
    if (this.visiting.has(key)) return new Set();
    const decl = this.index(dir).decls.get(name);
    if (!decl) return new Set();
    this.visiting.add(key);
    const found = this.refs(decl.body, decl.imports, dir);
    this.visiting.delete(key);
    this.memo.set(key, found);
    return found;
  }

  /** Image ids `code` (masked) reaches, its names resolved in package `dir` with `imports`. */
  private refs(code: string, imports: Map<string, string>, dir: string): Set<string> {
    const found = new Set<string>();
    const pkg = this.index(dir);
    for (const m of code.matchAll(/\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)/g)) {
      const path = imports.get(m[1]);
      if (!path) continue;
      if (path === CORE_V1 && m[2] === 'PullAlways') found.add(NEEDS_REGISTRY);
      else if (path === IMAGE_PACKAGE) {
        if (this.imageIds.has(m[2])) found.add(m[2]);
        else if (m[2] === 'GetPauseImageName') found.add('Pause');
      } else if (path.startsWith(FOLLOWED_PREFIX)) {
        const target = path.slice(KUBERNETES_MODULE.length + 1);
        for (const id of this.declRefs(target, m[2])) found.add(id);
      }
    }
    // Unqualified names: the same package's functions and variables.
    const seen = new Set<string>();
    for (const m of code.matchAll(/(?<![.\w])([A-Za-z_]\w*)\b/g)) {
      if (seen.has(m[1]) || !pkg.decls.has(m[1])) continue;
      seen.add(m[1]);
      for (const id of this.declRefs(dir, m[1])) found.add(id);
    }
    return found;
  }

  /** Package name of a module-relative folder (for messages). */
  packageOf(dir: string): string | undefined {
    for (const [path, text] of this.sources) if (dirOf(path) === dir) return packageName(text);
    return undefined;
  }
}

/** Index of the `{` of the innermost block around `at` (masked text), or -1 at top level. */
function enclosingOpen(masked: string, at: number): number {
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    const c = masked[i];
    if (c === '}') depth++;
    else if (c === '{') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** Is the block opening at `open` the body of a spec (`It(` / `ConformanceIt(` ... `func(...) {`)? */
function isSpecBody(masked: string, open: number): boolean {
  const before = masked.slice(Math.max(0, open - 400), open);
  const cut = Math.max(before.lastIndexOf(';'), before.lastIndexOf('{'), before.lastIndexOf('}'));
  return SPEC_CALL.test(before.slice(cut + 1));
}

/** It, ConformanceIt, framework.It, ginkgo.It, f.It... (`ConformanceIt` has no word boundary before It). */
const SPEC_CALL = /(?:\b|Conformance)It\s*\(/;
/** Calls that hold specs: the spec calls and the containers (Describe, SIGDescribe, Context, When). */
const CONTAINER_CALL = /(?:(?:\b|Conformance)It|(?:\b|SIG)Describe|\bContext|\bWhen)\s*\(/;

/** Does a block hold specs or containers? */
const holdsSpecs = (block: string) => CONTAINER_CALL.test(block);

/**
 * The code a spec at offset `at` runs: the spec call itself, and the enclosing blocks with
 * every child block that holds other specs (or is another spec's body) cut out.
 */
export function testScope(masked: string, at: number): string {
  const callOpen = masked.indexOf('(', at);
  const parts = [callOpen < 0 ? '' : masked.slice(callOpen, matchingClose(masked, callOpen))];
  let inner = at;
  for (let open = enclosingOpen(masked, at); open >= 0; open = enclosingOpen(masked, open)) {
    const close = matchingClose(masked, open);
    let piece = '';
    let i = open + 1;
    while (i < close - 1) {
      if (masked[i] !== '{') {
        piece += masked[i++];
        continue;
      }
      const end = matchingClose(masked, i);
      const child = masked.slice(i, end);
      const onPath = i <= inner && inner < end;
      if (!onPath && !isSpecBody(masked, i) && !holdsSpecs(child)) piece += child;
      i = end;
    }
    parts.push(piece);
    inner = open;
  }
  return parts.join('\n');
}
