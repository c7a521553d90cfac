// Where hakube keeps state (server database, pid files, labs) and caches (base trees, bundles).
import { homedir } from 'node:os';
import { join } from 'node:path';

export const PROJECT_ROOT = join(__dirname, '..', '..');

/** State folder: HAKUBE_HOME or ~/.hakube. */
export function hakubeHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.HAKUBE_HOME ?? join(homedir(), '.hakube');
}

/** Caches kept outside the clone so a fresh clone reuses them: HAKUBE_CACHE or /var/cache/hakube (root) or ~/.cache/hakube. */
export function hakubeCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HAKUBE_CACHE) return env.HAKUBE_CACHE;
  return process.getuid?.() === 0 ? '/var/cache/hakube' : join(homedir(), '.cache', 'hakube');
}

/** Project-local tools folder (the pinned Temporal CLI when none is on PATH). */
export function toolsDir(): string {
  return join(PROJECT_ROOT, '.tools');
}
