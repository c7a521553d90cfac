// The one progress model of an operation (phases → steps → per-host status), exposed by the
// `progress` query, mirrored into the Web UI's current details, and read by `hakube status`.
// Pure functions over plain data: workflows own the object and pass their clock in.

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';
export type OperationStatus =
  'running' | 'waiting-for-approval' | 'completed' | 'failed' | 'rejected' | 'timed-out' | 'cancelled';

export interface StepProgress {
  /** Stable hierarchical name, e.g. `etcd/start-member/master-2`. */
  key: string;
  title: string;
  host?: string;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  error?: string;
}

export interface PhaseProgress {
  name: string;
  title: string;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  steps: StepProgress[];
}

export interface ApprovalWait {
  question: string;
  plan: string[];
  since: string;
  deadline: string;
  /** What a decision may choose beyond approve/reject (`hakube reject --roll-back` picks `roll-back`). */
  choices?: string[];
}

export interface Decision {
  approved: boolean;
  by: string;
  reason?: string;
  /** The Temporal client identity the decision came through (user@host and process of the CLI). */
  identity?: string;
  at: string;
  /** The choice it picked among those offered (an upgrade's `roll-back`). */
  choice?: string;
  /** What was decided on: the question and plan shown at the time. */
  question?: string;
  plan?: string[];
}

export interface OperationProgress {
  operation: string;
  cluster: string;
  status: OperationStatus;
  phase?: string;
  phases: PhaseProgress[];
  waiting?: ApprovalWait;
  decisions: Decision[];
  warnings: string[];
  error?: string;
}

export function newProgress(
  operation: string,
  cluster: string,
  phases: readonly { name: string; title: string }[],
): OperationProgress {
  return {
    operation,
    cluster,
    status: 'running',
    phases: phases.map((p) => ({ name: p.name, title: p.title, status: 'pending', steps: [] })),
    decisions: [],
    warnings: [],
  };
}

function phaseOf(progress: OperationProgress, name: string): PhaseProgress {
  const phase = progress.phases.find((p) => p.name === name);
  if (!phase) throw new Error(`unknown phase ${name}`);
  return phase;
}

export function startPhase(progress: OperationProgress, name: string, now: Date): void {
  const phase = phaseOf(progress, name);
  phase.status = 'running';
  phase.startedAt = now.toISOString();
  progress.phase = name;
}

export function endPhase(
  progress: OperationProgress,
  name: string,
  status: 'done' | 'failed' | 'skipped',
  now: Date,
): void {
  const phase = phaseOf(progress, name);
  phase.status = status;
  phase.endedAt = now.toISOString();
}

export function startStep(
  progress: OperationProgress,
  phaseName: string,
  step: Omit<StepProgress, 'status'>,
  now: Date,
): void {
  const phase = phaseOf(progress, phaseName);
  const existing = phase.steps.find((s) => s.key === step.key);
  const started: StepProgress = { ...step, status: 'running', startedAt: now.toISOString() };
  if (existing) Object.assign(existing, started, { endedAt: undefined, error: undefined });
  else phase.steps.push(started);
}

export function endStep(
  progress: OperationProgress,
  phaseName: string,
  key: string,
  status: 'done' | 'failed' | 'skipped',
  now: Date,
  error?: string,
): void {
  const step = phaseOf(progress, phaseName).steps.find((s) => s.key === key);
  if (!step) throw new Error(`unknown step ${key}`);
  step.status = status;
  step.endedAt = now.toISOString();
  if (error) step.error = error;
}

/** A short human line for the Web UI's current details and plain-text watchers. */
export function describeProgress(p: OperationProgress): string {
  const lines = [`**${p.operation}** of cluster **${p.cluster}**: ${p.status}`];
  if (p.waiting) lines.push(`WAITING FOR APPROVAL: ${p.waiting.question} (until ${p.waiting.deadline})`);
  for (const phase of p.phases) {
    const running = phase.steps.filter((s) => s.status === 'running').map((s) => s.key);
    lines.push(`- ${phase.title}: ${phase.status}${running.length ? ` (${running.join(', ')})` : ''}`);
  }
  if (p.error) lines.push(`error: ${p.error}`);
  return lines.join('\n');
}

/** What a running activity heartbeats besides "alive": the step, and its latest remote output or file count. */
export interface StepDetails {
  step?: string;
  output?: string;
  file?: string;
  done?: number;
  of?: number;
}

/** One short line for a running step's details ("> last output line", "file 3/14: …"). */
export function describeDetails(d: StepDetails): string | undefined {
  if (d.output) return `> ${d.output}`;
  if (d.file && d.of !== undefined) return `file ${(d.done ?? 0) + 1}/${d.of}: ${d.file}`;
  return undefined;
}
