// Reading a cluster spec file: YAML with positions, schema + semantic validation, and the
// checks that need the file system (SSH keys readable). Everything is reported at once.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve, dirname } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { Cluster } from '../cluster/spec';
import { validateClusterSpec } from '../cluster/validate';
import { error, hasErrors, type PathSegment, type Problem } from '../cluster/problems';

export interface LoadedSpec {
  file: string;
  cluster?: Cluster;
  problems: Problem[];
}

export class SpecInvalidError extends Error {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
  ) {
    super(
      `${file}: the cluster spec is invalid (${problems.filter((p) => p.severity === 'error').length} problems)`,
    );
    this.name = 'SpecInvalid';
  }
}

/** Expands a leading ~ and resolves relative paths against the spec file's folder. */
export function resolveUserPath(path: string, baseDir: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

export function loadSpecText(text: string, file: string): LoadedSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const syntax = [...doc.errors, ...doc.warnings].map((e): Problem => {
    const pos = e.linePos?.[0];
    return {
      path: '',
      message: e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''),
      severity: doc.errors.includes(e) ? 'error' : 'warning',
      line: pos?.line,
      column: pos?.col,
    };
  });
  if (hasErrors(syntax)) return { file, problems: syntax };
  const { cluster, problems } = validateClusterSpec(doc.toJS());
  const located = [...syntax, ...problems.map((p) => locate(p, doc, lineCounter))];
  if (cluster) located.push(...fileProblems(cluster, dirname(file)).map((p) => locate(p, doc, lineCounter)));
  return { file, cluster: hasErrors(located) ? undefined : cluster, problems: located };
}

export function loadSpecFile(file: string): LoadedSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return {
      file,
      problems: [{ path: '', message: `cannot read ${file}: ${(e as Error).message}`, severity: 'error' }],
    };
  }
  return loadSpecText(text, file);
}

/** Loads and validates, throwing SpecInvalidError on any error (warnings are kept on the result). */
export function loadClusterOrThrow(file: string): { cluster: Cluster; problems: Problem[] } {
  const loaded = loadSpecFile(file);
  if (!loaded.cluster) throw new SpecInvalidError(file, loaded.problems);
  return { cluster: loaded.cluster, problems: loaded.problems };
}

function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    segments.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return segments;
}

/** Adds the line/column of the deepest node of the problem's path that exists in the document. */
function locate(p: Problem, doc: Document, lineCounter: LineCounter): Problem {
  if (p.line !== undefined) return p;
  const segments = parsePath(p.path);
  for (let n = segments.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(segments.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range && (n === 0 || isNodeLike(node))) {
      const pos = lineCounter.linePos(range[0]);
      return { ...p, line: pos.line, column: pos.col };
    }
  }
  return p;
}

function isNodeLike(node: unknown): boolean {
  return node !== null && typeof node === 'object' && ('range' in node || isMap(node) || isSeq(node));
}

function checkReadableFile(path: string, at: PathSegment[], baseDir: string, what: string): Problem[] {
  const full = resolveUserPath(path, baseDir);
  try {
    if (!statSync(full).isFile()) return [error(at, `${what} ${full} is not a regular file`)];
    accessSync(full, constants.R_OK);
    return [];
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : (e as Error).message;
    return [error(at, `${what} ${full} ${reason}`)];
  }
}

function fileProblems(cluster: Cluster, baseDir: string): Problem[] {
  const { ssh, hosts, etcd } = cluster.spec;
  const problems: Problem[] = [];
  // Key and passphrase files, wherever the spec names them (the cluster, the bastion, each host).
  const sshFiles = (
    s: { privateKeyPath?: string; privateKeyPassphraseFile?: string } | undefined,
    at: PathSegment[],
  ) => {
    if (s?.privateKeyPath)
      problems.push(...checkReadableFile(s.privateKeyPath, [...at, 'privateKeyPath'], baseDir, 'SSH key'));
    if (s?.privateKeyPassphraseFile)
      problems.push(
        ...checkReadableFile(
          s.privateKeyPassphraseFile,
          [...at, 'privateKeyPassphraseFile'],
          baseDir,
          'SSH key passphrase file',
        ),
      );
  };
  sshFiles(ssh, ['spec', 'ssh']);
  sshFiles(ssh.bastion, ['spec', 'ssh', 'bastion']);
  hosts.forEach((h, i) => sshFiles(h.ssh, ['spec', 'hosts', i, 'ssh']));
  const target = etcd.backup?.target;
  if (target?.type === 's3') {
    problems.push(
      ...checkReadableFile(
        target.credentialsFile,
        ['spec', 'etcd', 'backup', 'target', 'credentialsFile'],
        baseDir,
        'credentials file',
      ),
    );
  }
  return problems;
}
