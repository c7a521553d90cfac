// What `hakube doctor` reports: findings, each with how bad it is, what shows it and what fixes
// it. Pure: activities gather the evidence, the judges in this folder turn it into findings.

export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Evidence {
  /** The command run or the file read, as a person would run or read it on the host. */
  source: string;
  /** What it showed, trimmed (never a key or a token: doctor reads none). */
  output: string;
  /** When it was read (ISO 8601). */
  at: string;
}

export interface Finding {
  /** Which check found it: `etcd/no-leader`, `disk/full`, ... (docs/doctor.md lists them). */
  check: string;
  severity: Severity;
  /** The host it is about; absent for the cluster as a whole. */
  host?: string;
  message: string;
  evidence: Evidence[];
  /** A command to run, or the hakube operation that fixes it. */
  fix: string;
}

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

/** Most severe first, then by check and host, so reports of the same cluster compare line by line. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      a.check.localeCompare(b.check) ||
      (a.host ?? '').localeCompare(b.host ?? '') ||
      a.message.localeCompare(b.message),
  );
}

/** Findings at warning or above: what makes `hakube doctor` exit 1. */
export const needsAction = (findings: readonly Finding[]): Finding[] =>
  findings.filter((f) => severityRank(f.severity) >= severityRank('warning'));

/** Output as evidence: whitespace-trimmed and cut, so a noisy command cannot flood the report. */
export function excerpt(text: string, max = 600): string {
  const t = text.trim();
  return t.length <= max ? t : `${t.slice(0, max)}… (${t.length - max} more characters)`;
}

export interface FindingGroup {
  check: string;
  severity: Severity;
  message: string;
  fix: string;
  hosts: string[];
  findings: Finding[];
}

/**
 * Findings that say the same thing about several hosts, as one line naming the hosts: a full
 * disk on five workers is one problem seen five times. The message and fix of a group are those
 * of its findings with the host's name taken out (they are written as `<host>: ...`).
 */
export function groupFindings(findings: readonly Finding[]): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const f of sortFindings(findings)) {
    const message = f.host ? stripHost(f.message, f.host) : f.message;
    const fix = f.host ? f.fix.split(f.host).join('<host>') : f.fix;
    const key = `${f.severity}\u0000${f.check}\u0000${message}\u0000${fix}`;
    const g = groups.get(key) ?? {
      check: f.check,
      severity: f.severity,
      message,
      fix,
      hosts: [],
      findings: [],
    };
    if (f.host && !g.hosts.includes(f.host)) g.hosts.push(f.host);
    g.findings.push(f);
    groups.set(key, g);
  }
  return [...groups.values()];
}

function stripHost(message: string, host: string): string {
  return message.startsWith(`${host}: `) ? message.slice(host.length + 2) : message;
}
