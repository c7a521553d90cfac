// Value rules shared by the spec's schema files (spec.ts, spec-hooks.ts), kept apart so neither
// imports the other.

/** An IPv4 address or a DNS name. */
export const HOST_OR_ADDRESS = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
/**
 * An http(s) URL as `URL` parses it, of printable characters without quotes, blanks or
 * backslashes (it is written into TOML and YAML strings, never into a shell command), and
 * without credentials (a URL reaches workflow history and host files).
 */
export function isPlainHttpUrl(text: string): boolean {
  if (!/^https?:\/\/[A-Za-z0-9._~:/?#@!$&()*+,;=%-]+$/.test(text)) return false;
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password && !!u.hostname;
  } catch {
    return false;
  }
}
