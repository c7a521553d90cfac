// Documented exit codes of the hakube CLI (also in the README).
export const ExitCode = {
  OK: 0,
  /** The operation ran and failed (or was rejected). */
  FAILED: 1,
  /** Bad input: invalid spec, unknown host, bad arguments. Nothing was started. */
  BAD_INPUT: 2,
  /** Nobody approved a waiting step in time; nothing was changed. */
  APPROVAL_TIMED_OUT: 3,
} as const;

/** Input the user must fix; maps to exit code 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
