// Quoting for values that reach a POSIX shell (pure: commands are built in cluster/ and run by
// activities). Single quotes keep everything literal; a single quote itself is closed, escaped
// and reopened.

/** `value` as one shell word, whatever it holds. */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
