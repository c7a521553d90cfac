// systemd unit rendering shared by every component: one flag per line, sorted as given,
// so diffs of rendered units are readable and a changed flag changes exactly one line.
import { configWord } from './refuse';

export interface UnitSpec {
  description: string;
  documentation?: string;
  after?: string[];
  wants?: string[];
  requires?: string[];
  execStart: string;
  flags?: [string, string | number | boolean][];
  environmentFile?: string;
  type?: 'simple' | 'notify' | 'exec';
  restartSec?: number;
  limitNoFile?: number;
  extraService?: string[];
}

export function formatFlags(flags: [string, string | number | boolean][]): string {
  // systemd splits ExecStart at blanks, reads quotes, backslashes and %-specifiers, and ends the
  // line at a newline: a flag value holding any of them is refused, not written.
  return flags
    .map(([k, v]) => ` \\\n  --${configWord('flag', k)}=${configWord(`--${k}`, String(v))}`)
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
  service.push(`ExecStart=${u.execStart}${formatFlags(u.flags ?? [])}`);
  service.push('Restart=always', `RestartSec=${u.restartSec ?? 5}`);
  if (u.limitNoFile) service.push(`LimitNOFILE=${u.limitNoFile}`);
  service.push(...(u.extraService ?? []));
  return [...unit, ...service, '', '[Install]', 'WantedBy=multi-user.target', ''].join('\n');
}
