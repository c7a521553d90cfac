// A port number given on the command line.
import { InputError } from '../exit-codes';

export function portFlag(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1 || n > 65535)
    throw new InputError(`${flag}: ${value} is not a port number`);
  return n;
}
