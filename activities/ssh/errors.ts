// Typed SSH failures. Permanent ones (refused credentials, a changed host key) must not be
// retried; network trouble is retried with backoff by the activity's retry policy.
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from '../../cluster/errors';

export type SshErrorType =
  | typeof ErrorTypes.AuthenticationFailed
  | typeof ErrorTypes.HostKeyMismatch
  | typeof ErrorTypes.HostKeyUnknown
  | typeof ErrorTypes.ConnectionRefused
  | typeof ErrorTypes.ConnectionTimeout
  | typeof ErrorTypes.ConnectionReset
  | typeof ErrorTypes.RemoteCommandFailed
  | typeof ErrorTypes.RemoteCommandTimeout;

const PERMANENT: ReadonlySet<string> = new Set([
  ErrorTypes.AuthenticationFailed,
  ErrorTypes.HostKeyMismatch,
  ErrorTypes.HostKeyUnknown,
]);

export class SshError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly type: SshErrorType,
    message: string,
  ) {
    super(message);
    this.name = type;
    this.retryable = !PERMANENT.has(type);
  }
}

/** Classifies an ssh2 / socket error. */
export function classifyConnectError(
  err: Error & { code?: string; level?: string },
  where: string,
): SshError {
  if (err instanceof SshError) return err;
  const msg = err.message;
  if (err.level === 'client-authentication' || /authentication methods failed/i.test(msg)) {
    return new SshError(ErrorTypes.AuthenticationFailed, `${where}: the server refused our key (${msg})`);
  }
  if (err.code === 'ECONNREFUSED')
    return new SshError(ErrorTypes.ConnectionRefused, `${where}: connection refused`);
  if (
    err.code === 'ETIMEDOUT' ||
    err.code === 'EHOSTUNREACH' ||
    err.code === 'ENETUNREACH' ||
    /timed out/i.test(msg)
  ) {
    return new SshError(ErrorTypes.ConnectionTimeout, `${where}: ${msg}`);
  }
  return new SshError(ErrorTypes.ConnectionReset, `${where}: ${msg}`);
}

/** For activities: an ApplicationFailure that carries the type and says whether to retry. */
export function toApplicationFailure(err: unknown): unknown {
  if (err instanceof SshError) {
    return ApplicationFailure.create({ type: err.type, message: err.message, nonRetryable: !err.retryable });
  }
  return err;
}
