// How a doctor report reads in a terminal: most severe first, one line per problem with the
// hosts it applies to, then its evidence and fix. Pure.
import { groupFindings, type Severity } from '../cluster/doctor/finding';
import type { DoctorReport } from '../cluster/doctor/report';

const LABEL: Record<Severity, string> = {
  critical: 'CRITICAL',
  error: 'ERROR',
  warning: 'WARNING',
  info: 'info',
};

export function doctorLines(report: DoctorReport, opts: { verbose?: boolean } = {}): string[] {
  const lines = [`doctor ${report.cluster}: ${report.hosts.length} hosts, read at ${report.at}`];
  for (const g of groupFindings(report.findings)) {
    const one = g.findings.length === 1;
    const hosts = g.hosts.length ? ` [${g.hosts.join(', ')}]` : '';
    lines.push(
      '',
      `${LABEL[g.severity]} ${g.check}: ${one ? g.findings[0].message : g.message}${one ? '' : hosts}`,
    );
    // One host's evidence stands for the group's unless asked for all of it.
    for (const f of opts.verbose ? g.findings : g.findings.slice(0, 1))
      for (const e of f.evidence) {
        lines.push(`  evidence: ${e.source} (${e.at})`);
        for (const l of e.output.split('\n').slice(0, 6)) lines.push(`    ${l}`);
      }
    lines.push(`  fix: ${one ? g.findings[0].fix : g.fix}`);
  }
  const counts = (['critical', 'error', 'warning', 'info'] as const)
    .map((s) => [s, report.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  lines.push(
    '',
    report.actionable
      ? `${report.actionable} finding(s) need action (${counts.join(', ')})`
      : `nothing needs action${counts.length ? ` (${counts.join(', ')})` : ''}`,
  );
  return lines;
}
