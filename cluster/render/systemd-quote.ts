// Quoting for values written into systemd unit lines, following systemd.syntax(7) and
// systemd.service(5) ("Command lines"): a word with blanks or quotes is written in double quotes,
// where `\` starts a C-style escape (so `\` and `"` are escaped); `%` starts a specifier
// everywhere (so `%%`); in ExecStart= `$` starts a variable (so `$$`), in Environment= it is
// literal. A control character (a newline ends the line) is refused, never escaped.
import { unsafeValue } from './refuse';

/** What needs no quoting in a unit line: the characters hakube's own values use. */
const PLAIN_WORD = /^[A-Za-z0-9._@+=,:/*-]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function quoted(field: string, text: string, dollar: 'variable' | 'literal'): string {
  if (CONTROL.test(text))
    throw unsafeValue(field, text, 'control characters (a newline above all) cannot be quoted in a unit');
  let escaped = text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%');
  if (dollar === 'variable') escaped = escaped.replace(/\$/g, '$$$$');
  return `"${escaped}"`;
}

/** One ExecStart= argument carrying `text` literally: unchanged when plain, else double-quoted. */
export function execArg(field: string, text: string): string {
  return PLAIN_WORD.test(text) ? text : quoted(field, text, 'variable');
}

/** The value of an Environment= line setting `name` to `value` literally. */
export function environmentAssignment(field: string, name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw unsafeValue(field, name, 'not an environment variable name');
  const word = `${name}=${value}`;
  return PLAIN_WORD.test(word) ? word : quoted(field, word, 'literal');
}
