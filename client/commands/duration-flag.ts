// A duration flag (`--approval-timeout 30m`), refused as bad input when it is not one.
import { parseDuration } from '../../cluster/duration';
import { InputError } from '../exit-codes';

export function durationFlag(value: string, flag: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0)
    throw new InputError(`${flag}: not a duration: "${value}" (e.g. 30m, 90s)`);
  return ms;
}
