// Host facts for preflight: one script gathers everything in a single SSH round trip, and a
// pure parser turns its sectioned output into typed facts (unit-testable without a host).

export interface ListeningSocket {
  port: number;
  address: string;
  process?: string;
}

export interface HostFacts {
  hostname: string;
  os: { id: string; versionId: string; prettyName: string; idLike: string[] };
  kernel: string;
  arch: string;
  cpus: number;
  memoryMiB: number;
  swapActive: boolean;
  listening: ListeningSocket[];
  /** Host clock (epoch ms) when the facts were read; compared with the worker's clock for skew. */
  epochMs: number;
  systemState: string;
  timeSynchronized?: boolean;
  addresses: string[];
  /** Kernel modules loaded or built in. */
  modules: string[];
  virtualization: string;
  cgroups: CgroupFacts;
  vipAnswers?: boolean;
}

/** Does anything answer on the VIP? (Run separately: its timeout must not distort the clock reading.) */
export function vipProbeCommand(vip: string): string {
  return `if ping -c1 -W1 ${vip} >/dev/null 2>&1; then echo yes; else echo no; fi`;
}

/** Shell script run on the host (POSIX sh + coreutils; tolerant of missing tools). */
export function factsScript(): string {
  const lines = [
    'export LC_ALL=C',
    "echo '### os-release'; cat /etc/os-release 2>/dev/null",
    "echo '### kernel'; uname -r; uname -m",
    "echo '### hostname'; hostname",
    "echo '### cpus'; nproc",
    "echo '### meminfo'; grep -E '^(MemTotal|SwapTotal):' /proc/meminfo",
    "echo '### swaps'; tail -n +2 /proc/swaps",
    "echo '### listen'; ss -ltnpH 2>/dev/null",
    "echo '### time'; date +%s%3N",
    "echo '### state'; systemctl is-system-running 2>/dev/null || true",
    "echo '### timesync'; timedatectl show -p NTPSynchronized --value 2>/dev/null || true",
    "echo '### addresses'; ip -4 -o addr show 2>/dev/null | awk '{print $4}'",
    "echo '### modules'; cut -d' ' -f1 /proc/modules 2>/dev/null; ls /sys/module 2>/dev/null",
    "echo '### virt'; systemd-detect-virt 2>/dev/null || true",
    `echo '### cgroup'; ${CGROUP_PROBE}`,
  ];
  return lines.join('\n');
}

/**
 * The output of a probe script that prints `### <name>` before each section (preflight's facts,
 * doctor's probe): each section's lines by name.
 */
export function scriptSections(output: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let current = '';
  for (const line of output.split('\n')) {
    const m = /^### ([a-z-]+)$/.exec(line);
    if (m) {
      current = m[1];
      map.set(current, []);
    } else if (current) map.get(current)?.push(line);
  }
  return map;
}

function osRelease(lines: string[]): HostFacts['os'] {
  const kv = new Map<string, string>();
  for (const l of lines) {
    const m = /^([A-Z_]+)=(.*)$/.exec(l.trim());
    if (m) kv.set(m[1], m[2].replace(/^"(.*)"$/, '$1'));
  }
  return {
    id: kv.get('ID') ?? 'unknown',
    versionId: kv.get('VERSION_ID') ?? '',
    prettyName: kv.get('PRETTY_NAME') ?? 'unknown',
    idLike: (kv.get('ID_LIKE') ?? '').split(/\s+/).filter(Boolean),
  };
}

/** Parses `ss -ltnpH` lines: State Recv-Q Send-Q Local:Port Peer:Port [users:(("name",pid=..))]. */
export function parseListening(lines: string[]): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of lines) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4) continue;
    const local = cols[3];
    const idx = local.lastIndexOf(':');
    const port = Number(local.slice(idx + 1));
    if (!Number.isInteger(port)) continue;
    const proc = /users:\(\("([^"]+)"/.exec(line)?.[1];
    out.push({ port, address: local.slice(0, idx).replace(/^\[|\]$/g, ''), process: proc });
  }
  return out;
}

export function parseFacts(output: string): HostFacts {
  const s = scriptSections(output);
  const get = (k: string) => (s.get(k) ?? []).map((l) => l.trim()).filter(Boolean);
  const mem = (name: string) =>
    Number(/(\d+)/.exec(get('meminfo').find((l) => l.startsWith(name)) ?? '')?.[1] ?? 0);
  const timesync = get('timesync')[0];
  return {
    hostname: get('hostname')[0] ?? '',
    os: osRelease(get('os-release')),
    kernel: get('kernel')[0] ?? '',
    arch: get('kernel')[1] ?? '',
    cpus: Number(get('cpus')[0] ?? 0),
    memoryMiB: Math.round(mem('MemTotal') / 1024),
    swapActive: get('swaps').length > 0,
    listening: parseListening(get('listen')),
    epochMs: Number(get('time')[0] ?? 0),
    systemState: get('state')[0] ?? 'unknown',
    timeSynchronized: timesync === 'yes' ? true : timesync === 'no' ? false : undefined,
    addresses: get('addresses').map((a) => a.split('/')[0]),
    modules: [...new Set(get('modules'))],
    virtualization: get('virt')[0] ?? 'none',
    cgroups: parseCgroupProbe(get('cgroup')[0]),
  };
}

export interface CgroupFacts {
  /** 2 on the unified hierarchy, 1 on legacy/hybrid hosts (kubelet >= 1.35 refuses v1 by default). */
  version: 1 | 2;
  /**
   * Whether kubelet can create its per-QoS cgroups: no controller is mounted read-only (as
   * systemd-nspawn mounts them in a container) and memory and cpu are there to write to.
   */
  controllersWritable: boolean;
  /** Controllers mounted read-only (v1), or every delegated one when the v2 tree is read-only. */
  readOnly?: string[];
  /** Controllers kubelet and runc use that the host lacks (v1: not mounted; v2: not delegated). */
  missing?: string[];
}

/** What kubelet checks for on v1 (cpu, cpuacct, cpuset, memory) plus pids (pod PID limits). */
const V1_CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids'];
const V2_CONTROLLERS = ['cpu', 'cpuset', 'memory', 'pids'];
/** Without these kubelet cannot keep per-QoS cgroups (the rest only limit less). */
const ESSENTIAL = ['cpu', 'memory'];

/**
 * Prints one line: "<fs type of /sys/fs/cgroup>" followed, on v1/hybrid hosts, by
 * "<controllers>:<rw|ro>" for each v1 controller hierarchy ("cpu,cpuacct:rw" when co-mounted),
 * and on v2 hosts by "<rw|ro> <controllers of the visible tree, comma-separated>".
 */
export const CGROUP_PROBE = [
  't=$(stat -fc %T /sys/fs/cgroup 2>/dev/null)',
  'if [ "$t" = cgroup2fs ]; then ' +
    'echo "$t $(awk \'$2 == "/sys/fs/cgroup" { split($4, o, ","); m = o[1] } END { print m }\' /proc/mounts)' +
    ' $(tr " " , < /sys/fs/cgroup/cgroup.controllers 2>/dev/null)"; ' +
    'else echo "$t $(awk \'$3 == "cgroup" && $2 ~ "^/sys/fs/cgroup/" { n = split($4, o, ","); c = ""; ' +
    'for (i = 2; i <= n; i++) if (o[i] !~ /^(nosuid|nodev|noexec|relatime|noatime|strictatime|xattr|none|clone_children|name=.*|release_agent=.*)$/) ' +
    'c = c (c == "" ? "" : ",") o[i]; if (c != "") printf "%s:%s ", c, o[1] }\' /proc/mounts)"; fi',
].join('; ');

export function parseCgroupProbe(output: string | undefined): CgroupFacts {
  const [fsType = '', ...rest] = (output ?? '').trim().split('\n')[0].trim().split(/\s+/);
  if (fsType === 'cgroup2fs') {
    const [mode = '', list = ''] = rest;
    const have = list.split(',').filter(Boolean);
    const missing = V2_CONTROLLERS.filter((c) => !have.includes(c));
    const readOnly = mode === 'rw' ? [] : have;
    return {
      version: 2,
      controllersWritable: mode === 'rw' && !ESSENTIAL.some((c) => missing.includes(c)),
      readOnly,
      missing,
    };
  }
  const mounted = new Map<string, boolean>();
  for (const token of rest) {
    const i = token.lastIndexOf(':');
    if (i <= 0) continue;
    for (const c of token.slice(0, i).split(',')) mounted.set(c, token.slice(i + 1) === 'rw');
  }
  const readOnly = [...mounted].filter(([, rw]) => !rw).map(([c]) => c);
  const missing = V1_CONTROLLERS.filter((c) => !mounted.has(c));
  return {
    version: 1,
    controllersWritable:
      mounted.size > 0 && readOnly.length === 0 && !ESSENTIAL.some((c) => missing.includes(c)),
    readOnly,
    missing,
  };
}

/** Compares dotted versions numerically ("5.10.0-28-amd64" vs "4.19"). */
export function versionAtLeast(version: string, minimum: string): boolean {
  const parse = (v: string) => (/^(\d+(?:\.\d+)*)/.exec(v)?.[1] ?? '0').split('.').map(Number);
  const a = parse(version);
  const b = parse(minimum);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}
