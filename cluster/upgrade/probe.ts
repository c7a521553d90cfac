// What a host runs: one shell probe prints, per binary hakube installs, its `--version`, and per
// unit, the executable of its running process. A process whose executable was replaced on disk
// (an upload renames the new file over the old one) shows `/proc/PID/exe` as "PATH (deleted)":
// that unit runs an older copy and needs a restart. The output comes from a host and is parsed
// like user input: anything that is not a plain version or path is refused. Pure.
import { BIN_DIR } from '../layout';
import { KUBERNETES_BINARIES, type HostVersions } from './skew';

/** Binaries whose versions the probe reads (Kubernetes' own, etcd, containerd). */
export const PROBED_BINARIES = [...KUBERNETES_BINARIES, 'etcd', 'containerd'] as const;

/** The units an upgrade restarts, in the order it restarts them on one host. */
export const UPGRADED_UNITS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'containerd',
  'kubelet',
  'kube-proxy',
] as const;
export type UpgradedUnit = (typeof UPGRADED_UNITS)[number];

/** How each binary says its version (kubectl has no --version; etcd's first line is "etcd Version: 3.7.3"). */
function versionCommand(bin: string): string {
  return bin === 'kubectl'
    ? `${BIN_DIR}/kubectl version --client 2>/dev/null`
    : `${BIN_DIR}/${bin} --version 2>&1`;
}

/**
 * The probe: `B <name> <first line of its version output>` for each binary present, then
 * `U <unit> <executable of its main process>` for each unit running, then `A <apiserver /version>`.
 * Only fixed names reach the shell; `apiserverPort` is a number from the validated spec.
 */
export function hostProbeScript(caPath: string, apiserverPort: number | undefined): string {
  const lines = [binaryVersionsScript(PROBED_BINARIES), runningUnitsScript()];
  if (apiserverPort !== undefined && Number.isInteger(apiserverPort))
    lines.push(
      `printf 'A %s\\n' "$(curl -s --max-time 5 --cacert ${caPath} https://127.0.0.1:${apiserverPort}/version | tr -d '\\n ')"`,
    );
  return lines.join('\n');
}

/** Only the `B` lines, for `binaries` (names from PROBED_BINARIES): what each one present says its version is. */
export function binaryVersionsScript(binaries: readonly (typeof PROBED_BINARIES)[number][]): string {
  return binaries
    .map(
      (bin) =>
        `if [ -x ${BIN_DIR}/${bin} ]; then printf 'B ${bin} %s\\n' "$(${versionCommand(bin)} | head -n 1)"; fi`,
    )
    .join('\n');
}

/** Only the `U` lines: which units run which executable (a restart step's check). */
export function runningUnitsScript(): string {
  return UPGRADED_UNITS.map(
    (unit) =>
      `pid=$(systemctl show -p MainPID --value ${unit} 2>/dev/null); ` +
      `if [ -n "$pid" ] && [ "$pid" != 0 ]; then printf 'U ${unit} %s\\n' "$(readlink /proc/$pid/exe)"; fi`,
  ).join('\n');
}

const VERSION = /\bv?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.~-]+)?)\b/;
const SAFE_PATH = /^\/[A-Za-z0-9._/-]+( \(deleted\))?$/;

export interface ProbeResult extends HostVersions {
  /** Unit → executable its running process was started from (" (deleted)" when replaced since). */
  running: Record<string, string>;
  /** What the host's own apiserver answers on /version (control-plane hosts). */
  servedApiserver?: string;
}

/** Parses the probe's output; a line that does not fit is ignored, a malformed value refused. */
export function parseHostProbe(host: string, output: string): ProbeResult {
  const versions: Record<string, string | undefined> = {};
  const running: Record<string, string> = {};
  let servedApiserver: string | undefined;
  for (const line of output.split('\n')) {
    const [kind, name, ...rest] = line.trim().split(' ');
    const value = rest.join(' ');
    if (kind === 'B' && (PROBED_BINARIES as readonly string[]).includes(name)) {
      const m = VERSION.exec(value);
      versions[name] = m ? `v${m[1]}` : undefined;
      if (!m)
        throw new Error(
          `${host}: ${name} --version printed no version: ${JSON.stringify(value.slice(0, 80))}`,
        );
    } else if (kind === 'U' && (UPGRADED_UNITS as readonly string[]).includes(name) && value) {
      if (!SAFE_PATH.test(value))
        throw new Error(
          `${host}: unit ${name} runs an executable with an unexpected path: ${JSON.stringify(value.slice(0, 80))}`,
        );
      running[name] = value;
    } else if (kind === 'A' && name) {
      const m = /"gitVersion":"(v\d+\.\d+\.\d+[^"]*)"/.exec(name);
      if (m && VERSION.test(m[1])) servedApiserver = m[1];
    }
  }
  const outdated = Object.entries(running)
    .filter(([, exe]) => exe.endsWith(' (deleted)'))
    .map(([unit]) => unit);
  return { host, versions, running, outdated, ...(servedApiserver ? { servedApiserver } : {}) };
}
