// systemd unit rendering shared by every component: one flag per line, sorted as given,
// so diffs of rendered units are readable and a changed flag changes exactly one line.
import { configWord, unsafeValue } from './refuse';
import type { Flag } from './flags';
import { execArg } from './systemd-quote';
import { FLAG_NAME } from '../spec-hooks';

export interface UnitSpec {
  description: string;
  documentation?: string;
  after?: string[];
  wants?: string[];
  requires?: string[];
  execStart: string;
  flags?: Flag[];
  /** The user's flags (spec.components.<name>.extraArgs), after hakube's: quoted, not refused. */
  extraArgs?: [string, string][];
  environmentFile?: string;
  /** Environment= assignments, already quoted (cluster/render/systemd-quote.ts). */
  environment?: string[];
  type?: 'simple' | 'notify' | 'exec';
  restartSec?: number;
  limitNoFile?: number;
  extraService?: string[];
}

export function formatFlags(flags: Flag[]): string {
  // systemd splits ExecStart at blanks, reads quotes, backslashes and %-specifiers, and ends the
  // line at a newline: a flag value holding any of them is refused, not written.
  return flags
    .map(([k, v]) => ` \\\n  --${configWord('flag', k)}=${configWord(`--${k}`, String(v))}`)
    .join('');
}

/** The user's flags: each `--name=value` word quoted as systemd reads it back (systemd-quote.ts). */
export function formatExtraArgs(args: [string, string][], field = 'extraArgs'): string {
  return args
    .map(([k, v]) => {
      if (!FLAG_NAME.test(k)) throw unsafeValue(`${field}.${k}`, k, 'not a flag name');
      return ` \\\n  ${execArg(`${field}.${k}`, `--${k}=${v}`)}`;
    })
    .join('');
}

export function renderUnit(u: UnitSpec): string {
  const unit = ['[Unit]', `Description=${u.description}`];
  if (u.documentation) unit.push(`Documentation=${u.documentation}`);
  if (u.after?.length) unit.push(`After=${u.after.join(' ')}`);
  if (u.wants?.length) unit.push(`Wants=${u.wants.join(' ')}`);
  if (u.requires?.length) unit.push(`Requires=${u.requires.join(' ')}`);
  const service = ['', '[Service]', `Type=${u.type ?? 'simple'}`];
  if (u.environmentFile) service.push(`EnvironmentFile=-${u.environmentFile}`);
  for (const assignment of u.environment ?? []) service.push(`Environment=${assignment}`);
  service.push(`ExecStart=${u.execStart}${formatFlags(u.flags ?? [])}${formatExtraArgs(u.extraArgs ?? [])}`);
  service.push('Restart=always', `RestartSec=${u.restartSec ?? 5}`);
  if (u.limitNoFile) service.push(`LimitNOFILE=${u.limitNoFile}`);
  service.push(...(u.extraService ?? []));
  return [...unit, ...service, '', '[Install]', 'WantedBy=multi-user.target', ''].join('\n');
}
