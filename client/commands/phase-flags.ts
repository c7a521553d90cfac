// --skip-phases and --only: comma-separated phase names, each checked against the operation's
// declared phases before anything connects.
import { unknownPhases } from '../../cluster/plan/phases';
import { InputError } from '../exit-codes';

export function phaseList(
  phases: readonly { name: string }[],
  value: string | undefined,
  flag: string,
): string[] | undefined {
  if (!value) return undefined;
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = unknownPhases(phases, names);
  if (unknown.length)
    throw new InputError(
      `${flag}: unknown phase(s) ${unknown.join(', ')}; phases are ${phases.map((p) => p.name).join(', ')}`,
    );
  return names;
}
