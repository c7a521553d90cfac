// Just enough of Go's syntax to find which e2e images a Conformance test uses (test-images.ts):
// comments and literals masked out so braces can be matched, top-level declarations by name,
// and the import aliases of a file. Not a parser: it reads upstream's gofmt'ed test code, and
// anything it cannot place is left out rather than guessed.

/**
 * `text` with the insides of comments, string, raw string and rune literals replaced by spaces
 * (newlines kept), so offsets and line numbers stay those of the original and no brace or
 * identifier inside a literal is seen.
 */
export function maskGo(text: string): string {
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '`') {
      const end = text.indexOf('`', i + 1);
      const stop = end < 0 ? text.length : end + 1;
      blank(i + 1, stop - 1);
      i = stop;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      blank(i + 1, j);
      i = j + 1;
    } else i++;
  }
  return out.join('');
}

const OPEN: Record<string, string> = { '(': ')', '{': '}', '[': ']' };

/** Index just past the bracket closing the one at `open` in masked text (text end if unbalanced). */
export function matchingClose(masked: string, open: number): number {
  const stack: string[] = [];
  for (let i = open; i < masked.length; i++) {
    const c = masked[i];
    if (OPEN[c]) stack.push(OPEN[c]);
    else if (c === ')' || c === '}' || c === ']') {
      stack.pop();
      if (stack.length === 0) return i + 1;
    }
  }
  return masked.length;
}

/** Offset of the first character of 1-based line `line`. */
export function lineOffset(text: string, line: number): number {
  let at = 0;
  for (let n = 1; n < line; n++) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return text.length;
    at = nl + 1;
  }
  return at;
}

export interface GoDecls {
  /** Package-level functions and variables/constants by name -> their masked source text. */
  byName: Map<string, string>;
}

/**
 * Top-level `func`, `var` and `const` declarations of one file (masked text). Methods are left
 * out: without types, `x.Method(` cannot be tied to one of them.
 */
export function topLevelDecls(masked: string): GoDecls {
  const byName = new Map<string, string>();
  const add = (name: string, body: string) => {
    if (name !== '_') byName.set(name, (byName.get(name) ?? '') + body);
  };
  const startRe = /^(func|var|const)\b/gm;
  for (let m = startRe.exec(masked); m; m = startRe.exec(masked)) {
    const kw = m[1];
    const at = m.index;
    if (kw === 'func') {
      const fn = /^func\s+([A-Za-z_]\w*)\s*[[(]/.exec(masked.slice(at, at + 200));
      const brace = masked.indexOf('{', at);
      if (!fn || brace < 0) continue;
      // The body's brace follows the signature; signatures with func-typed results hold their own parens only.
      const end = matchingClose(masked, brace);
      add(fn[1], masked.slice(at, end));
      startRe.lastIndex = end;
      continue;
    }
    const rest = masked.slice(at + kw.length).trimStart();
    if (rest.startsWith('(')) {
      const open = masked.indexOf('(', at);
      const end = matchingClose(masked, open);
      for (const [name, body] of specsOf(masked.slice(open + 1, end - 1))) add(name, body);
      startRe.lastIndex = end;
    } else {
      const lineEnd = declEnd(masked, at);
      for (const [name, body] of specsOf(masked.slice(at + kw.length, lineEnd))) add(name, body);
      startRe.lastIndex = lineEnd;
    }
  }
  return { byName };
}

/** End of a single-spec `var x = ...` declaration: the end of its line, past any brackets it opens. */
function declEnd(masked: string, at: number): number {
  let i = at;
  while (i < masked.length && masked[i] !== '\n') {
    if (OPEN[masked[i]]) i = matchingClose(masked, i);
    else i++;
  }
  return i;
}

/** The specs of a var/const group: `a, b = ...` or `name Type = ...`, each with its text. */
function specsOf(group: string): [string, string][] {
  const out: [string, string][] = [];
  let i = 0;
  while (i < group.length) {
    const end = declEnd(group, i);
    const spec = group.slice(i, end);
    const names = /^\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)/.exec(spec);
    if (names) for (const n of names[1].split(',')) out.push([n.trim(), spec]);
    i = end + 1;
  }
  return out;
}

/** Import alias -> import path of one file (the alias defaults to the path's last element). */
export function importsOf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const add = (alias: string | undefined, path: string) => {
    if (alias === '_' || alias === '.') return;
    out.set(alias ?? path.slice(path.lastIndexOf('/') + 1), path);
  };
  const group = /^import\s*\(([\s\S]*?)^\)/m.exec(text);
  const lines = [...(group ? group[1].split('\n') : []), ...(text.match(/^import\s+[^(\n].*$/gm) ?? [])];
  for (const line of lines) {
    const m = /^\s*(?:import\s+)?([A-Za-z_]\w*|_|\.)?\s*"([^"]+)"/.exec(line);
    if (m) add(m[1], m[2]);
  }
  return out;
}

/** The `package x` clause of a file. */
export function packageName(text: string): string | undefined {
  return /^package\s+(\w+)/m.exec(text)?.[1];
}
