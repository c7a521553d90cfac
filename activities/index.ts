// createActivities(deps): every activity hakube registers, wired to the dependencies the
// worker (or a test) passes in. Workflows import only the *type* of the result.
import { createWorkerInfoActivities } from './worker-info';

export interface ActivityDeps {
  version: string;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createWorkerInfoActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
