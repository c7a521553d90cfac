// --dry-run, for every operation that changes hosts: the phases it will run (the declarations the
// workflow runs, cluster/plan), each with its steps where the spec alone decides them, and what a
// person will be asked to approve where that does not depend on what the hosts report. Nothing
// connects to Temporal or to any host.
import { formatPlan, type PlannedPhase } from '../../cluster/plan/phases';
import { printJson, printLines } from '../output';

/** Where a run puts its start time into names (`<path>.reset-<stamp>`); a dry run has none yet. */
export const DRY_RUN_STAMP = '<start time>';

export interface DryRun {
  /** What would run, e.g. `reset of prod`. */
  what: string;
  plan: PlannedPhase[];
  /** The plan a person approves, when the spec alone decides it. */
  approval?: string[];
  /** Plans of the operations it starts (the join of each node of `node add`). */
  children?: { what: string; plan: PlannedPhase[] }[];
  /** What only the run can know, said plainly. */
  notes?: string[];
}

export function printDryRun(d: DryRun, json?: boolean): void {
  if (json) return printJson({ dryRun: true, ...d });
  const lines = [`${d.what} (dry run: nothing is changed)`, ...formatPlan(d.plan)];
  for (const c of d.children ?? []) lines.push('', `${c.what}:`, ...formatPlan(c.plan).map((l) => `  ${l}`));
  if (d.approval?.length) lines.push('', 'what a person approves:', ...d.approval.map((l) => `  ${l}`));
  for (const n of d.notes ?? []) lines.push(`note: ${n}`);
  printLines(lines);
}
