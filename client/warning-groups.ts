// Warnings as a person reads them: the same finding on several hosts is one line naming the hosts
// (`swap is on (worker-1, worker-2, master-1)`, or `(all 5 hosts)`), not one line per host.
// Workflows report them as `<host>: <message>` (workflows/install/phases.ts, steps/preflight.ts).
// Pure: progress in, lines out.
import type { OperationProgress } from '../cluster/progress';

/** The hosts an operation's steps ran on, in the order they first appear. */
export function operationHosts(p: OperationProgress): string[] {
  const hosts: string[] = [];
  for (const ph of p.phases)
    for (const s of ph.steps) if (s.host && !hosts.includes(s.host)) hosts.push(s.host);
  return hosts;
}

/** `<host>: <message>` when the prefix is one of `hosts`; anything else is a message of its own. */
function splitHost(warning: string, hosts: readonly string[]): { host?: string; message: string } {
  const at = warning.indexOf(': ');
  if (at > 0 && hosts.includes(warning.slice(0, at)))
    return { host: warning.slice(0, at), message: warning.slice(at + 2) };
  return { message: warning };
}

/**
 * One line per distinct message, in the order messages first appear, with the hosts that have it
 * (in the order they reported it); `all N hosts` when every host of the operation has it.
 */
export function groupWarnings(warnings: readonly string[], hosts: readonly string[]): string[] {
  const groups = new Map<string, string[] | undefined>();
  for (const w of warnings) {
    const { host, message } = splitHost(w, hosts);
    const key = `${host ? 'h' : 'm'}${message}`;
    if (!groups.has(key)) groups.set(key, host ? [] : undefined);
    const on = groups.get(key);
    if (host && on && !on.includes(host)) on.push(host);
  }
  return [...groups].map(([key, on]) => {
    const message = key.slice(1);
    if (!on) return message;
    const all = hosts.length > 1 && on.length === hosts.length;
    return `${message} (${all ? `all ${hosts.length} hosts` : on.join(', ')})`;
  });
}

/** Where a log of changes stands with the warnings: how many it printed already. */
export interface WarningCursor {
  shown: number;
}

const runningPhases = (p?: OperationProgress) =>
  (p?.phases ?? [])
    .filter((ph) => ph.status === 'running')
    .map((ph) => ph.name)
    .join(',');

/**
 * The warnings a log prints now, grouped, and moves the cursor past them. Hosts of a phase report
 * one after another, so a phase's warnings are printed together once it ends (the running phases
 * change) or the operation does: one line per finding, not one per host as they arrive.
 */
export function settledWarningLines(
  before: OperationProgress | undefined,
  after: OperationProgress,
  finished: boolean,
  cursor: WarningCursor,
): string[] {
  if (!finished && runningPhases(before) === runningPhases(after)) return [];
  const fresh = after.warnings.slice(cursor.shown);
  cursor.shown = after.warnings.length;
  return groupWarnings(fresh, operationHosts(after));
}
