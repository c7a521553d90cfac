// Names shared by workflows and the client: operation kinds, workflow ids, query/update names.

export const OPERATIONS = [
  'selftest',
  'install',
  'join',
  'remove',
  'reset',
  'backup',
  'restore',
  'certs-rotate',
  'certs-check',
  'upgrade',
  'doctor',
] as const;
export type Operation = (typeof OPERATIONS)[number];

/** One running operation of a kind per cluster: starting it again attaches to the running one. */
export function workflowIdFor(operation: Operation, cluster: string, suffix?: string): string {
  return suffix ? `${operation}-${cluster}-${suffix}` : `${operation}-${cluster}`;
}

export const QUERY_PROGRESS = 'progress';
export const UPDATE_DECIDE = 'decide';
export const SIGNAL_APPROVE = 'approve';
export const SIGNAL_REJECT = 'reject';
