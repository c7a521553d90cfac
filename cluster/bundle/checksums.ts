// Parsing of published checksum files: a bare hex digest (dl.k8s.io `<bin>.sha256`,
// crictl/cni `.sha256`) or `sha256sum` output lines (`<hex>  <file>`, `<hex> *<file>` for
// binary mode; etcd SHA256SUMS, containerd `.sha256sum`, runc `runc.sha256sum`).

export class ChecksumParseError extends Error {
  override name = 'ChecksumParseError';
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** All `file -> sha256` pairs of a sha256sum-style text (blank and `#` lines ignored). */
export function parseSha256Sums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([0-9a-fA-F]{64})\s+\*?(.+)$/.exec(line);
    if (!m) throw new ChecksumParseError(`not a sha256sum line: ${JSON.stringify(line.slice(0, 80))}`);
    const file = m[2].trim().replace(/^\.\//, '');
    sums.set(file, m[1].toLowerCase());
  }
  return sums;
}

/**
 * The digest for `fileName` in a published checksum text: a bare hex digest (the whole
 * file), or the line naming the file (by its base name) in sha256sum format.
 */
export function expectedSha256(text: string, fileName: string): string {
  const trimmed = text.trim();
  if (HEX64.test(trimmed)) return trimmed.toLowerCase();
  // Some .sha256 files are "<hex>  <file>" with a single line.
  const sums = parseSha256Sums(text);
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  for (const [file, sum] of sums) {
    if (file === fileName || file.slice(file.lastIndexOf('/') + 1) === base) return sum;
  }
  // `sha256sum < file` names the file "-".
  const stdin = sums.get('-');
  if (stdin && sums.size === 1) return stdin;
  throw new ChecksumParseError(`no checksum for ${base} in the published checksum file`);
}
