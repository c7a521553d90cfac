// What a renderer does with a value its format cannot carry: refuse it, naming the field. The
// spec schema already keeps such values out (cluster/spec.ts); these checks hold where the value
// is used, so a spec that reached a renderer some other way (an old workflow input, a test, a
// future field) cannot add a line to a unit or a config file either.
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from '../errors';

/** A word of a systemd unit line or of keepalived.conf: no blank, quote, backslash, `%` or control character. */
const CONFIG_WORD = /^[A-Za-z0-9._@+=,:/*-]+$/;

export function unsafeValue(field: string, value: string, why: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorTypes.ConfigInvalid,
    message: `${field} ${JSON.stringify(value)} cannot be written safely: ${why}`,
    nonRetryable: true,
  });
}

/** `value` unchanged when it is a plain word (see CONFIG_WORD); refused otherwise. */
export function configWord(field: string, value: string): string {
  if (!CONFIG_WORD.test(value))
    throw unsafeValue(field, value, 'only letters, digits and . _ @ + = , : / * - are allowed');
  return value;
}
