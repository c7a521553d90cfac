// A problem found in a spec or an argument, reported with the path of the field at fault.

export type Severity = 'error' | 'warning';

export interface Problem {
  /** Dotted path with indexes, e.g. `spec.hosts[2].address`; empty for the whole document. */
  path: string;
  message: string;
  severity: Severity;
  /** 1-based position in the source file, when known. */
  line?: number;
  column?: number;
}

export type PathSegment = string | number;

export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}

export function error(path: readonly PathSegment[], message: string): Problem {
  return { path: formatPath(path), message, severity: 'error' };
}

export function warning(path: readonly PathSegment[], message: string): Problem {
  return { path: formatPath(path), message, severity: 'warning' };
}

export function formatProblem(p: Problem): string {
  const where =
    p.line !== undefined ? ` (line ${p.line}${p.column !== undefined ? `, column ${p.column}` : ''})` : '';
  const prefix = p.severity === 'warning' ? 'warning: ' : '';
  return `${prefix}${p.path || '(document)'}: ${p.message}${where}`;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}
