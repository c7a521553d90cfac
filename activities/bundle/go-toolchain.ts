// The Go toolchain used for `source` builds, and the environment every build runs in:
// module and build caches outside the clone (under the hakube cache), no toolchain
// downloads, static binaries for linux/<arch>.
import { join } from 'node:path';
import { run, type ProgressFn } from './exec';
import { BundleBuildError } from './errors';

export interface GoBuildOptions {
  /** The hakube cache root (HAKUBE_CACHE); Go caches live under <cacheDir>/go. */
  cacheDir: string;
  arch: string;
  /** `go build -p N`; undefined lets Go use every core. */
  parallelism?: number;
  /** Run the Go tools at low CPU priority (nice 15) so a build does not starve other work. */
  lowPriority?: boolean;
  onProgress?: ProgressFn;
}

export interface GoToolchain {
  go: string;
  /** e.g. "go1.26.8" */
  version: string;
}

/** Finds `go`: HAKUBE_GO, then PATH, then the standard /usr/local/go install. */
export async function findGo(env: NodeJS.ProcessEnv = process.env): Promise<GoToolchain> {
  const candidates = [env.HAKUBE_GO, 'go', '/usr/local/go/bin/go'].filter((c): c is string => !!c);
  for (const go of candidates) {
    try {
      const version = (await run(go, ['env', 'GOVERSION'], { captureStdout: true })).trim();
      if (version) return { go, version };
    } catch {
      // try the next candidate
    }
  }
  throw new BundleBuildError('no Go toolchain found (set HAKUBE_GO or put go on PATH) for source builds');
}

export function goCacheDirs(cacheDir: string): { modCache: string; buildCache: string; gopath: string } {
  return {
    modCache: join(cacheDir, 'go', 'mod'),
    buildCache: join(cacheDir, 'go', 'build'),
    gopath: join(cacheDir, 'go', 'path'),
  };
}

/** Environment for `go` commands of a bundle build. */
export function goEnv(opts: GoBuildOptions, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const dirs = goCacheDirs(opts.cacheDir);
  const flags = ['-mod=mod', '-buildvcs=false'];
  if (opts.parallelism) flags.push(`-p=${opts.parallelism}`);
  return {
    ...base,
    GOMODCACHE: dirs.modCache,
    GOCACHE: dirs.buildCache,
    GOPATH: dirs.gopath,
    // The module's go line must be satisfied by this toolchain; never fetch another one.
    GOTOOLCHAIN: 'local',
    GOWORK: 'off',
    GOFLAGS: flags.join(' '),
    CGO_ENABLED: '0',
    GOOS: 'linux',
    GOARCH: opts.arch,
  };
}

/** Runs `go args...` with the bundle build environment (at low priority when asked). */
export function runGo(
  toolchain: GoToolchain,
  args: readonly string[],
  opts: GoBuildOptions & {
    cwd?: string;
    captureStdout?: boolean;
    component?: string;
    /** What the heartbeat says is running, e.g. "go build kubelet, kube-proxy" (default: the go subcommand). */
    what?: string;
    /** Heartbeat period; default HEARTBEAT_MS (30 s). */
    heartbeatMs?: number;
  },
): Promise<string> {
  const [cmd, cmdArgs] = opts.lowPriority
    ? ['nice', ['-n', '15', toolchain.go, ...args]]
    : [toolchain.go, [...args]];
  return run(cmd, cmdArgs, {
    cwd: opts.cwd,
    env: goEnv(opts),
    captureStdout: opts.captureStdout,
    component: opts.component,
    onLine: opts.onProgress ? (l) => opts.onProgress?.(`${opts.component ?? 'go'}: ${l}`) : undefined,
    heartbeat: opts.onProgress
      ? {
          label: `${opts.component ?? 'go'}: ${opts.what ?? `go ${args[0] ?? ''}`}`,
          onProgress: opts.onProgress,
          everyMs: opts.heartbeatMs,
        }
      : undefined,
  });
}
