// Validation of the cron expressions accepted by Temporal Schedules (5 fields or @-macros).
// Pure, used by spec validation and the backup schedule command.

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

function valueOf(token: string, rule: FieldRule): number | undefined {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    return n >= rule.min && n <= rule.max ? n : undefined;
  }
  const idx = rule.names?.indexOf(token.toLowerCase()) ?? -1;
  if (idx < 0) return undefined;
  return rule.name === 'month' ? idx + 1 : idx;
}

function checkField(text: string, rule: FieldRule): string | undefined {
  for (const part of text.split(',')) {
    const [range, step, extra] = part.split('/');
    if (extra !== undefined || range === '') return `bad ${rule.name} field "${text}"`;
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `bad step "${step}" in ${rule.name} field`;
    if (range === '*') continue;
    const [lo, hi, more] = range.split('-');
    if (more !== undefined) return `bad range "${range}" in ${rule.name} field`;
    const from = valueOf(lo, rule);
    if (from === undefined) return `${rule.name} "${lo}" is out of range ${rule.min}-${rule.max}`;
    if (hi !== undefined) {
      const to = valueOf(hi, rule);
      if (to === undefined) return `${rule.name} "${hi}" is out of range ${rule.min}-${rule.max}`;
      if (to < from) return `range "${range}" in ${rule.name} field runs backwards`;
    }
  }
  return undefined;
}

/** Returns a description of what is wrong with the expression, or undefined when it is valid. */
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (text.startsWith('@')) return MACROS.has(text) ? undefined : `unknown macro "${text}"`;
  const fields = text.split(/\s+/);
  if (fields.length !== 5)
    return `needs 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  for (let i = 0; i < 5; i++) {
    const problem = checkField(fields[i], FIELDS[i]);
    if (problem) return problem;
  }
  return undefined;
}
