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

/** Why a user setting naming something hakube sets is refused: the same words in validation and renderers. */
export function overrideRefusedReason(what: string, from: string | undefined): string {
  return `hakube sets ${what} ${from ?? '(a fixed setting: docs/configuration.md)'}; it cannot be overridden`;
}

/** A user setting that would override one hakube manages (validation reports it first). */
export function overrideRefused(field: string, what: string, from: string | undefined): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorTypes.ConfigInvalid,
    message: `${field}: ${overrideRefusedReason(what, from)}`,
    nonRetryable: true,
  });
}
