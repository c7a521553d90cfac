// The flags every `... schedule` command shares: one of --pause/--resume/--delete/--trigger (or
// none: create or update), and how a schedule's state is printed.
import type { Command } from 'commander';
import { InputError } from '../exit-codes';
import type { ScheduleChange, ScheduleState } from '../operation-schedule';

export interface ScheduleChangeFlags {
  pause?: boolean;
  resume?: boolean;
  delete?: boolean;
  trigger?: boolean;
}

export function withScheduleChangeFlags(cmd: Command, deleteNote = ''): Command {
  return cmd
    .option('--pause', 'pause it')
    .option('--resume', 'resume it')
    .option('--delete', `delete it${deleteNote}`)
    .option('--trigger', 'start one run now (skipped if one is running)');
}

/** The change asked for, or undefined for "create or update". */
export function scheduleChange(flags: ScheduleChangeFlags): ScheduleChange | undefined {
  const changes = (['pause', 'resume', 'delete', 'trigger'] as const).filter((c) => flags[c]);
  if (changes.length > 1) throw new InputError(`choose one of --${changes.join(', --')}`);
  return changes[0];
}

export function scheduleLines(state: Omit<ScheduleState, 'args'>, extra = ''): string[] {
  return [
    `schedule ${state.id}: ${state.paused ? 'PAUSED' : 'active'}, cron ${state.cron.join(' ') || '?'}${extra}`,
    ...state.nextRuns.slice(0, 3).map((t) => `  next: ${t}`),
    ...state.recentRuns.slice(-3).map((r) => `  ran:  ${r.scheduledAt} ${r.workflowId}`),
  ];
}
