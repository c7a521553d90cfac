// The maintenance window in which an upgrade's worker waves may start: `HH:MM-HH:MM` every day,
// or `Sat,Sun HH:MM-HH:MM` on those days, in UTC. A window may cross midnight (22:00-04:00 starts
// on the named day and ends the next). A wave that started inside the window runs to its end.
// Pure: the workflow passes its own clock in.

export interface MaintenanceWindow {
  /** Days a window may start on (0 = Sunday); all days when empty. */
  days: number[];
  startMinute: number;
  endMinute: number;
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MINUTE_MS = 60_000;
const DAY_MINUTES = 24 * 60;

function minuteOf(hhmm: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** Parses `[DAYS ]HH:MM-HH:MM`; throws an Error naming what is wrong. */
export function parseWindow(spec: string): MaintenanceWindow {
  const parts = spec.trim().split(/\s+/);
  if (parts.length < 1 || parts.length > 2 || parts[0] === '')
    throw new Error(`window "${spec}": expected "HH:MM-HH:MM" or "Sat,Sun HH:MM-HH:MM" (UTC)`);
  const range = parts[parts.length - 1];
  const days =
    parts.length === 2
      ? parts[0].split(',').map((d) => {
          const i = DAY_NAMES.findIndex((n) => n.toLowerCase() === d.toLowerCase().slice(0, 3));
          if (i < 0 || d.length < 3) throw new Error(`window "${spec}": unknown day "${d}"`);
          return i;
        })
      : [];
  const [from, to, extra] = range.split('-');
  const startMinute = minuteOf(from ?? '');
  const endMinute = minuteOf(to ?? '');
  if (startMinute === undefined || endMinute === undefined || extra !== undefined)
    throw new Error(`window "${spec}": expected a time range like 02:00-06:00 (UTC)`);
  if (startMinute === endMinute) throw new Error(`window "${spec}": starts and ends at the same time`);
  return { days: [...new Set(days)].sort((a, b) => a - b), startMinute, endMinute };
}

/** The window's length in minutes (a window crossing midnight ends the next day). */
function lengthMinutes(w: MaintenanceWindow): number {
  return (w.endMinute - w.startMinute + DAY_MINUTES) % DAY_MINUTES;
}

/** Milliseconds until a wave may start: 0 inside the window, else until its next opening. */
export function msUntilWindow(w: MaintenanceWindow, now: Date): number {
  const dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  // Yesterday's window may still be open (crossing midnight); then today's and the next week's.
  for (let d = -1; d <= 7; d++) {
    const opens = dayStart + d * DAY_MINUTES * MINUTE_MS + w.startMinute * MINUTE_MS;
    const weekday = new Date(opens).getUTCDay();
    if (w.days.length && !w.days.includes(weekday)) continue;
    const closes = opens + lengthMinutes(w) * MINUTE_MS;
    if (now.getTime() < opens) return opens - now.getTime();
    if (now.getTime() < closes) return 0;
  }
  // Unreachable: some day of the next week opens a window.
  throw new Error('no maintenance window in the next week');
}

export function describeWindow(w: MaintenanceWindow): string {
  const hhmm = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const days = w.days.length ? `${w.days.map((d) => DAY_NAMES[d]).join(',')} ` : 'daily ';
  return `${days}${hhmm(w.startMinute)}-${hhmm(w.endMinute)} UTC`;
}
