// Values given on the command line: a port number, and options that may be repeated.
import { InputError } from '../exit-codes';

export function portFlag(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1 || n > 65535)
    throw new InputError(`${flag}: ${value} is not a port number`);
  return n;
}

/** commander's argument parser for a repeatable option: every value, in order. */
export const repeatable = (value: string, previous: string[] = []): string[] => [...previous, value];
