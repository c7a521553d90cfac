// The only place workflow code reads time. Inside the Temporal sandbox `Date` is the
// workflow's deterministic clock (the time of the current workflow task), so replay sees the
// same values; everywhere else in workflows/ the lint rule against Date.now() stands.

export function workflowNow(): Date {
  // eslint-disable-next-line no-restricted-syntax -- deterministic inside the workflow sandbox
  return new Date();
}

export function workflowNowPlus(ms: number): Date {
  return new Date(workflowNow().getTime() + ms);
}
