// What `hakube watch` shows: a live view (redrawn in a terminal) and, when output is not a
// terminal, one plain line per change. Pure: progress in, lines out.
import {
  describeDetails,
  type OperationProgress,
  type PhaseProgress,
  type StepProgress,
} from '../cluster/progress';
import type { PendingStep } from './hakube-client';
import { groupWarnings, operationHosts, settledWarningLines, type WarningCursor } from './warning-groups';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const MARK: Record<string, string> = { done: '✔', failed: '✖', skipped: '–', pending: '·' };
const BAR_WIDTH = 16;
// Fits an 80-column terminal: mark, title, bar, count and time.
const TITLE_WIDTH = 36;

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function elapsed(item: { startedAt?: string; endedAt?: string }, now: Date): string {
  if (!item.startedAt) return '';
  const end = item.endedAt ? Date.parse(item.endedAt) : now.getTime();
  return formatDuration(end - Date.parse(item.startedAt));
}

function bar(done: number, total: number): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${total}`;
}

const fit = (text: string, width: number) =>
  text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);

const stepLabel = (s: StepProgress) => `${s.key}${s.host ? ` @${s.host}` : ''}`;

function phaseLines(ph: PhaseProgress, now: Date, spin: string): string[] {
  const mark = ph.status === 'running' ? spin : MARK[ph.status];
  const done = ph.steps.filter((s) => s.status === 'done').length;
  const time = elapsed(ph, now);
  const lines = [
    `${mark} ${fit(ph.title, TITLE_WIDTH)} ${ph.steps.length ? bar(done, ph.steps.length) : ''}${time ? `  ${time}` : ''}`.trimEnd(),
  ];
  if (ph.status === 'running' || ph.status === 'failed')
    for (const s of ph.steps.filter((x) => x.status === 'running' || x.status === 'failed'))
      lines.push(
        `    ${s.status === 'running' ? spin : MARK.failed} ${stepLabel(s)}  ${elapsed(s, now)}${s.error ? `: ${s.error}` : ''}`,
      );
  return lines;
}

const retryLine = (a: PendingStep) =>
  `  retrying ${a.activity} (attempt ${a.attempt})${a.lastFailure ? `: ${a.lastFailure}` : ''}`;

/** Steps the server is retrying: the attempt and why the last one failed (also `hakube status`). */
export function retryingLines(pending: PendingStep[]): string[] {
  return pending.filter((a) => a.attempt > 1 || a.lastFailure).map(retryLine);
}

/** The banner of an operation waiting for a person: the question, the plan, and what to run. */
export function approvalLines(p: OperationProgress, id?: string): string[] {
  if (!p.waiting) return [];
  return [
    `WAITING FOR APPROVAL: ${p.waiting.question}  (until ${p.waiting.deadline})`,
    ...p.waiting.plan.map((s) => `  plan: ${s}`),
    ...(id ? [`  run: hakube approve ${id}   or   hakube reject ${id} --reason "..."`] : []),
    ...(id && p.waiting.choices?.includes('roll-back')
      ? [`   or: hakube reject ${id} --roll-back --reason "..."   (also undo what it did so far)`]
      : []),
  ];
}

/** What running activities last reported: their remote output's latest line, or their file count. */
export function detailLines(pending: PendingStep[]): string[] {
  return pending.flatMap((a) => {
    const text = a.details && describeDetails(a.details);
    return text ? [`  ${a.details?.step ?? a.activity} ${text}`] : [];
  });
}

/** The live view: one line per phase, the running and failed steps under their phase, retries, approval. */
export function renderWatch(
  p: OperationProgress,
  pending: PendingStep[],
  now: Date,
  frame = 0,
  id?: string,
): string[] {
  const spin = SPINNER[frame % SPINNER.length];
  const first = p.phases.find((ph) => ph.startedAt)?.startedAt;
  const total = first ? `  ${formatDuration(now.getTime() - Date.parse(first))}` : '';
  const lines = [`${p.operation} ${p.cluster}: ${p.status}${p.phase ? ` (phase ${p.phase})` : ''}${total}`];
  lines.push(...approvalLines(p, id));
  for (const ph of p.phases) lines.push(...phaseLines(ph, now, spin));
  lines.push(...detailLines(pending));
  lines.push(...retryingLines(pending));
  if (p.error) lines.push(`error: ${p.error}`);
  return lines;
}

/**
 * Plain lines for what changed between two snapshots (a log, when output is not a terminal).
 * With a cursor, warnings wait for their phase to end and come grouped (warning-groups.ts);
 * without one, the new warnings of this snapshot are grouped and printed at once. An operation's
 * end (completed, failed, …) is the last line, after the phases and steps that ended with it.
 */
export function changeLines(
  before: OperationProgress | undefined,
  after: OperationProgress,
  pendingBefore: PendingStep[],
  pendingAfter: PendingStep[],
  now: Date,
  id?: string,
  warnings?: WarningCursor,
): string[] {
  const out: string[] = [];
  const stamp = now.toISOString().slice(11, 19);
  const say = (text: string) => out.push(`${stamp} ${text}`);
  const statusChanged = !before || before.status !== after.status;
  const statusLine = `${after.operation} ${after.cluster}: ${after.status}`;
  const finished = isFinished(after);
  if (statusChanged && !finished) say(statusLine);
  if (after.waiting && !before?.waiting) for (const line of approvalLines(after, id)) say(line);
  for (const ph of after.phases) {
    const old = before?.phases.find((x) => x.name === ph.name);
    if (old?.status !== ph.status && ph.status !== 'pending')
      say(`phase ${ph.name}: ${ph.status}${ph.status === 'done' ? ` (${elapsed(ph, now)})` : ''}`);
    for (const s of ph.steps) {
      const was = old?.steps.find((x) => x.key === s.key)?.status;
      if (was === s.status) continue;
      if (s.status === 'running') say(`  ${stepLabel(s)}: started`);
      else if (s.status === 'done') say(`  ${stepLabel(s)}: done (${elapsed(s, now)})`);
      else if (s.status === 'failed') say(`  ${stepLabel(s)}: FAILED${s.error ? `: ${s.error}` : ''}`);
    }
  }
  for (const a of pendingAfter) {
    const prev = pendingBefore.find((x) => x.activity === a.activity && x.lastFailure === a.lastFailure);
    if (a.attempt > 1 && prev?.attempt !== a.attempt) say(retryLine(a));
  }
  const detailsBefore = new Set(detailLines(pendingBefore));
  for (const line of detailLines(pendingAfter)) if (!detailsBefore.has(line)) say(line);
  const warningLines = warnings
    ? settledWarningLines(before, after, finished, warnings)
    : groupWarnings(after.warnings.slice(before?.warnings.length ?? 0), operationHosts(after));
  for (const w of warningLines) say(`  warning: ${w}`);
  if (statusChanged && finished) say(statusLine);
  return out;
}

export function isFinished(p: OperationProgress): boolean {
  return p.status !== 'running' && p.status !== 'waiting-for-approval';
}

/** The end of a watch: how long each phase took, the retries seen, the warnings, the error. */
export function summaryLines(p: OperationProgress, retries: Map<string, number>, now: Date): string[] {
  const ran = p.phases.filter((ph) => ph.startedAt);
  const first = ran[0]?.startedAt;
  const last = ran.reduce((t, ph) => Math.max(t, ph.endedAt ? Date.parse(ph.endedAt) : now.getTime()), 0);
  const lines = [
    `summary: ${p.operation} ${p.cluster} ${p.status}${first ? ` in ${formatDuration(last - Date.parse(first))}` : ''}`,
  ];
  if (ran.length) lines.push(`  phases: ${ran.map((ph) => `${ph.name} ${elapsed(ph, now)}`).join(', ')}`);
  const skipped = p.phases.filter((ph) => ph.status === 'skipped').map((ph) => ph.name);
  if (skipped.length) lines.push(`  skipped: ${skipped.join(', ')}`);
  const total = [...retries.values()].reduce((a, b) => a + b, 0);
  lines.push(
    total
      ? `  retries: ${total} (${[...retries].map(([a, n]) => `${a} ×${n}`).join(', ')})`
      : '  retries: none',
  );
  for (const d of p.decisions)
    lines.push(`  ${d.approved ? 'approved' : 'rejected'} by ${d.by}${d.reason ? `: ${d.reason}` : ''}`);
  for (const w of groupWarnings(p.warnings, operationHosts(p))) lines.push(`  warning: ${w}`);
  if (p.error) lines.push(`  error: ${p.error}`);
  return lines;
}

/** Retries seen so far, per activity: the highest attempt of each minus its first. */
export function countRetries(seen: Map<string, number>, pending: PendingStep[]): void {
  for (const a of pending)
    if (a.attempt > 1) seen.set(a.activity, Math.max(seen.get(a.activity) ?? 0, a.attempt - 1));
}
