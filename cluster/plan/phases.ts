// The phase model every operation shares, in the spirit of kubeadm's phase workflow: a phase is
// data (its name, title, whether it applies, the steps it plans), declared once and read both by
// the workflow that runs it (workflows/shared/operation.ts) and by `--dry-run`, which prints it.
// Pure.

export interface PlannedStep {
  key: string;
  title: string;
  host?: string;
}

/**
 * One phase of an operation. `P` is what its rules read: the operation's input for a dry run,
 * the run's state (input plus what earlier phases found) in the workflow.
 */
export interface PhaseDecl<P> {
  readonly name: string;
  readonly title: string;
  /** Why this phase does not apply to this run (etcd on a worker, nothing to renew); undefined when it does. */
  readonly notApplicable?: (p: P) => string | undefined;
  /** The steps it will run, as `--dry-run` prints them; omitted when only the run can know them. */
  readonly steps?: (p: P) => PlannedStep[];
  /** The phase waits for a person's decision. */
  readonly approval?: boolean;
}

/** `--only` and `--skip-phases`: phases a person leaves out of a run by name. */
export interface PhaseSelection {
  onlyPhases?: string[];
  skipPhases?: string[];
}

export interface PlannedPhase {
  name: string;
  title: string;
  /** Undefined when the phase does not list its steps ahead (they follow from what earlier phases find). */
  steps?: PlannedStep[];
  skipped?: string;
  approval?: boolean;
}

/** Why a person's selection leaves the phase out, or undefined. */
export function deselected(name: string, sel: PhaseSelection = {}): string | undefined {
  if (sel.onlyPhases?.length && !sel.onlyPhases.includes(name)) return 'not in --only';
  if (sel.skipPhases?.includes(name)) return 'in --skip-phases';
  return undefined;
}

/** Why the phase does not run: left out by the person, or not applicable; undefined when it runs. */
export function skipReason<P>(
  phase: PhaseDecl<P>,
  p: P,
  sel?: PhaseSelection,
): { reason: string; chosen: boolean } | undefined {
  const chosen = deselected(phase.name, sel);
  if (chosen) return { reason: chosen, chosen: true };
  const na = phase.notApplicable?.(p);
  return na ? { reason: na, chosen: false } : undefined;
}

/** Names in `names` that are no phase of `phases` (refused before anything starts). */
export function unknownPhases(phases: readonly { name: string }[], names: string[] = []): string[] {
  return names.filter((n) => !phases.some((p) => p.name === n));
}

/** The plan: every phase in order, with its steps or why it is skipped. */
export function planPhases<P>(phases: readonly PhaseDecl<P>[], p: P, sel?: PhaseSelection): PlannedPhase[] {
  return phases.map((phase) => {
    const skipped = skipReason(phase, p, sel)?.reason;
    return {
      name: phase.name,
      title: phase.title,
      steps: skipped ? [] : phase.steps?.(p),
      skipped,
      ...(phase.approval ? { approval: true } : {}),
    };
  });
}

export function formatPlan(plan: PlannedPhase[]): string[] {
  const lines: string[] = [];
  plan.forEach((p, i) => {
    lines.push(`${i + 1}. ${p.title} [${p.name}]${p.skipped ? ` — skipped (${p.skipped})` : ''}`);
    if (p.skipped) return;
    if (p.approval) lines.push('     waits for a person to approve (hakube approve), or --yes');
    for (const s of p.steps ?? []) lines.push(`     ${s.key}  ${s.title}`);
  });
  return lines;
}

/** Every step key a plan names (what a real run must have scheduled, no more and no less). */
export function plannedStepKeys(plan: PlannedPhase[]): string[] {
  return plan.flatMap((p) => (p.steps ?? []).map((s) => s.key));
}
