// `hakube backup status`: is there a recent enough verified snapshot, and did the last scheduled
// backup succeed — the answer a monitoring check needs, as data (pure; the CLI gathers the facts).

export interface BackupFacts {
  cluster: string;
  now: Date;
  /** The newest verified snapshot of this cluster at the target (signed by this worker's key). */
  newest?: { id: string; takenAt: string };
  /** Metadata at the target that was refused (unsigned, edited, another cluster's). */
  refused: number;
  /** A snapshot older than this needs attention. */
  maxAgeMs: number;
  /** The backup schedule, when Temporal answered and one exists. */
  schedule?: { paused: boolean; nextRun?: string };
  /** The newest scheduled run that has ended, and how. */
  lastRun?: { workflowId: string; status: string };
  /** Why Temporal gave no answer about the schedule. */
  scheduleUnknown?: string;
}

export interface BackupHealth {
  ok: boolean;
  /** Each one makes `ok` false. */
  problems: string[];
  /** Worth knowing, not failing. */
  notes: string[];
  newestAgeMs?: number;
}

/** The default bound: two schedule periods (one missed run is tolerated), else a day and an hour. */
export function defaultMaxAgeMs(nextRuns: string[]): number {
  const [a, b] = nextRuns.map((t) => Date.parse(t));
  if (Number.isFinite(a) && Number.isFinite(b) && b > a) return Math.max(2 * (b - a), 60 * 60_000);
  return 25 * 3600_000;
}

export function humanAge(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 120) return `${m} min`;
  const h = Math.round(m / 60);
  return h < 72 ? `${h} h` : `${Math.round(h / 24)} days`;
}

export function backupHealth(f: BackupFacts): BackupHealth {
  const problems: string[] = [];
  const notes: string[] = [];
  let newestAgeMs: number | undefined;
  if (!f.newest) problems.push(`no verified snapshot of ${f.cluster} at the backup target`);
  else {
    newestAgeMs = f.now.getTime() - Date.parse(f.newest.takenAt);
    if (!Number.isFinite(newestAgeMs))
      problems.push(`${f.newest.id}: its time ${f.newest.takenAt} is not a date`);
    else if (newestAgeMs > f.maxAgeMs)
      problems.push(
        `the newest verified snapshot ${f.newest.id} is ${humanAge(newestAgeMs)} old, more than ${humanAge(f.maxAgeMs)}`,
      );
  }
  if (f.refused > 0)
    notes.push(`${f.refused} metadata file(s) at the target refused (hakube backup list says why)`);
  if (f.scheduleUnknown) problems.push(`the backup schedule could not be read: ${f.scheduleUnknown}`);
  else if (!f.schedule) problems.push(`${f.cluster} has no backup schedule (hakube backup schedule -f FILE)`);
  else if (f.schedule.paused) problems.push('the backup schedule is paused');
  if (f.lastRun && f.lastRun.status !== 'COMPLETED')
    problems.push(
      `the last scheduled backup ${f.lastRun.workflowId} ended ${f.lastRun.status.toLowerCase()}`,
    );
  return {
    ok: problems.length === 0,
    problems,
    notes,
    ...(newestAgeMs !== undefined ? { newestAgeMs } : {}),
  };
}
