// A namespace's retention: how long Temporal keeps a closed workflow (its history and its row in
// `hakube history`) before deleting it. Parsing the --retention flag, converting to and from the
// protobuf Duration, and the sentence that tells users what retention hides. Pure.
import { parseDuration } from '../../cluster/duration';
import { formatDuration } from '../watch-view';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** hakube's default: long enough to roll back last month's restore and read last month's history. */
export const DEFAULT_RETENTION_DAYS = 30;
export const DEFAULT_RETENTION_MS = DEFAULT_RETENTION_DAYS * DAY_MS;
/** Temporal refuses a retention under a day; ten years is a typo, not a policy. */
export const MIN_RETENTION_MS = DAY_MS;
export const MAX_RETENTION_MS = 3650 * DAY_MS;

export class RetentionError extends Error {
  override name = 'RetentionError';
}

/** Milliseconds of a retention such as "30d", "90d" or "720h"; throws RetentionError on anything else. */
export function parseRetention(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new RetentionError(
      `--retention: not a duration: "${text}" (e.g. ${DEFAULT_RETENTION_DAYS}d, 720h)`,
    );
  if (ms % 1000 !== 0) throw new RetentionError(`--retention: ${text} is not a whole number of seconds`);
  if (ms < MIN_RETENTION_MS)
    throw new RetentionError(
      `--retention: ${text} is under a day (Temporal keeps closed workflows 1 day at least)`,
    );
  if (ms > MAX_RETENTION_MS) throw new RetentionError(`--retention: ${text} is over ten years`);
  return ms;
}

/** "30 days", "1 day", "36 hours"; anything else as the CLI writes durations. */
export function formatRetention(ms: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (ms > 0 && ms % DAY_MS === 0) return plural(ms / DAY_MS, 'day');
  if (ms > 0 && ms % HOUR_MS === 0) return plural(ms / HOUR_MS, 'hour');
  return formatDuration(ms);
}

/**
 * What `hakube history` and `restore --rollback` cannot show: closed operations older than the
 * retention are deleted by the server. `retentionMs` undefined: the server would not say.
 */
export function retentionNote(retentionMs: number | undefined): string {
  const kept =
    retentionMs === undefined
      ? "for the namespace's retention period only"
      : `for ${formatRetention(retentionMs)} (namespace retention)`;
  return `closed operations are kept ${kept}; older ones are gone`;
}

/** A google.protobuf.Duration as the SDK's generated types hold it (seconds may be a Long). */
export interface ProtoDuration {
  seconds?: number | { toNumber(): number } | null;
  nanos?: number | null;
}

export function durationToMs(d: ProtoDuration | null | undefined): number | undefined {
  if (!d) return undefined;
  const seconds = typeof d.seconds === 'number' ? d.seconds : (d.seconds?.toNumber() ?? 0);
  return seconds * 1000 + Math.floor((d.nanos ?? 0) / 1e6);
}
