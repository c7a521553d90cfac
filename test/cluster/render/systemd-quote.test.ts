// Quoting of unit-file values (cluster/render/systemd-quote.ts), checked against a reading of
// them by systemd's rules (systemd.syntax(7), systemd.service(5) "Command lines"): what the unit
// says must be read back as exactly the value the user gave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { environmentAssignment, execArg } from '../../../cluster/render/systemd-quote';
import { formatExtraArgs } from '../../../cluster/render/systemd';

/**
 * One word as systemd reads it: specifiers (`%%` → `%`) first, then quotes and C escapes, then
 * (ExecStart= only) `$$` → `$`. Throws on what systemd would read as something else (an unquoted
 * blank, a lone `%` or `$`).
 */
function systemdReads(word: string, kind: 'exec' | 'environment'): string {
  let specifiersDone = '';
  for (let i = 0; i < word.length; i++) {
    if (word[i] !== '%') specifiersDone += word[i];
    else if (word[i + 1] === '%') {
      specifiersDone += '%';
      i++;
    } else throw new Error(`specifier %${word[i + 1]} in ${word}`);
  }
  let out = '';
  let inQuotes = false;
  for (let i = 0; i < specifiersDone.length; i++) {
    const ch = specifiersDone[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (ch === '\\') {
      const next = specifiersDone[++i];
      if (next !== '\\' && next !== '"') throw new Error(`escape \\${next} in ${word}`);
      out += next;
    } else if (/\s/.test(ch) && !inQuotes) throw new Error(`word split at a blank in ${word}`);
    else out += ch;
  }
  assert.equal(inQuotes, false, `unterminated quote in ${word}`);
  if (kind === 'environment') return out;
  let expanded = '';
  for (let i = 0; i < out.length; i++) {
    if (out[i] !== '$') expanded += out[i];
    else if (out[i + 1] === '$') {
      expanded += '$';
      i++;
    } else throw new Error(`variable expansion at ${out.slice(i)}`);
  }
  return expanded;
}

const hostile = [
  'with spaces',
  'double "quotes" inside',
  "single 'quotes' inside",
  'a $HOME and ${PATH} and $$',
  '100% and %n and %%',
  'back\\slash and trailing \\',
  '\\"escaped-looking\\"',
  ';',
  'ünïcödé',
  '',
];

test('plain words stay unchanged (hakube’s own values render as before)', () => {
  for (const w of ['--etcd-servers=https://10.1.1.11:2379', '--v=2', '--foo=a,b:c/d@e+f*g'])
    assert.equal(execArg('f', w), w);
  assert.equal(environmentAssignment('f', 'HTTP_PROXY', 'http://proxy:3128'), 'HTTP_PROXY=http://proxy:3128');
});

test('ExecStart arguments with spaces, quotes, $, %, backslashes are read back exactly', () => {
  for (const value of hostile) {
    const word = execArg('f', `--flag=${value}`);
    assert.equal(systemdReads(word, 'exec'), `--flag=${value}`, word);
  }
  assert.equal(execArg('f', '--a=x y'), '"--a=x y"');
  assert.equal(execArg('f', '--a=$X %i "q" \\'), '"--a=$$X %%i \\"q\\" \\\\"');
});

test('Environment= values keep $ literal (no expansion there) and escape the rest', () => {
  for (const value of hostile) {
    const word = environmentAssignment('f', 'NO_PROXY', value);
    assert.equal(systemdReads(word, 'environment'), `NO_PROXY=${value}`, word);
  }
  assert.equal(environmentAssignment('f', 'X', 'a $b'), '"X=a $b"');
  assert.throws(() => environmentAssignment('f', 'BAD NAME', 'x'), /not an environment variable name/);
});

test('control characters are refused, never escaped: a newline would end the unit line', () => {
  for (const bad of ['a\nb', 'a\rb', 'a\u0000b', 'a\tb', 'a\u007fb'])
    assert.throws(
      () => execArg('spec.components.apiserver.extraArgs.x', `--x=${bad}`),
      /cannot be written safely/,
    );
});

test('extra args: one continued line each, and a name that is no flag name is refused', () => {
  assert.equal(
    formatExtraArgs([
      ['v', '2'],
      ['x', 'a b'],
    ]),
    ' \\\n  --v=2 \\\n  "--x=a b"',
  );
  assert.throws(() => formatExtraArgs([['--v', '2']]), /not a flag name/);
  assert.throws(() => formatExtraArgs([['a b', '2']]), /not a flag name/);
});
