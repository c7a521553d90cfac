// Recording a history for the replay test (HAKUBE_RECORD_HISTORIES=1). A recorded history is a
// promise to users with that operation in flight, so it is never overwritten: the current one of
// a scenario is test/histories/NAME.json, earlier ones stay under
// test/histories/kept/DATE-COMMIT/NAME.json, and SHA256SUMS lists the content of every one
// (docs/versioning.md).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { REPO_ROOT } from './temp-home';

export const HISTORIES_DIR = join(REPO_ROOT, 'test', 'histories');
export const CHECKSUMS_FILE = 'SHA256SUMS';
/** kept/<date the history was recorded>-<commit that recorded it>, e.g. kept/2026-11-23-8cddedc. */
export const KEPT_DIR_PATTERN = /^\d{4}-\d{2}-\d{2}-[0-9a-f]{7,40}$/;

export const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');

/** SHA256SUMS (`sha256sum -c` reads it too): one "<sha256>  <path under test/histories>" a line. */
export function readChecksums(dir = HISTORIES_DIR): { sha256: string; path: string }[] {
  const file = join(dir, CHECKSUMS_FILE);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(l);
      if (!m) throw new Error(`${CHECKSUMS_FILE}: not a "<sha256>  <path>" line: ${l}`);
      return { sha256: m[1], path: m[2] };
    });
}

/** Where `name` goes when it is kept: its last commit's date and short hash. */
function keptDirFor(path: string): string {
  try {
    const out = execFileSync('git', ['log', '-1', '--format=%cs-%h', '--', path], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (KEPT_DIR_PATTERN.test(out)) return out;
  } catch {
    // No git here: the person recording fills it in.
  }
  return '<date>-<commit that recorded it>';
}

/**
 * Writes `history` as test/histories/`name` and lists it in SHA256SUMS; refuses when a different
 * history is there already (the recording is then saved in a temporary file, named in the error).
 */
export function recordHistory(name: string, history: string, dir = HISTORIES_DIR): string {
  if (basename(name) !== name || !name.endsWith('.json'))
    throw new Error(`record a history as NAME.json, not ${name}`);
  const path = join(dir, name);
  if (existsSync(path)) {
    if (readFileSync(path, 'utf8') === history) return path;
    const saved = join(mkdtempSync(join(tmpdir(), 'hakube-history-')), name);
    writeFileSync(saved, history);
    const kept = `kept/${keptDirFor(path)}`;
    throw new Error(
      `test/histories/${name} exists and is never overwritten: running operations of the release that ` +
        `recorded it must keep replaying. Keep it with its release first:\n` +
        `  mkdir -p test/histories/${kept} && git mv test/histories/${name} test/histories/${kept}/${name}\n` +
        `then record again, or copy ${saved} (this recording) to test/histories/${name} and add its ` +
        `line to test/histories/${CHECKSUMS_FILE} (sha256sum ${name}).`,
    );
  }
  writeFileSync(path, history, { flag: 'wx' });
  appendFileSync(join(dir, CHECKSUMS_FILE), `${sha256(history)}  ${name}\n`);
  return path;
}
