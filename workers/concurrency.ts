// How many steps one worker runs at once. Unlimited (the SDK's 100) let an install on a 2-core
// machine run 30 uploads and hashes at once; a cap queues the rest in Temporal, where they wait
// visibly and any other worker can take them.
import { availableParallelism } from 'node:os';
import { WorkerSettingsError } from './settings-error';

/**
 * Etcd members of a new cluster start together and wait for each other (workflows/install),
 * so a worker must be able to run a whole cluster's members at once: up to 7 without a warning.
 */
export const MIN_ACTIVITIES = 7;

/** 4 per core, at least 8: steps mostly wait on SSH, and 8 covers a 7-member etcd on 2 cores. */
export function defaultMaxActivities(cpus = availableParallelism()): number {
  return Math.max(8, 4 * cpus);
}

/** HAKUBE_MAX_ACTIVITIES (the CLI's --max-activities), else the default for this machine. */
export function maxActivitiesFromEnv(env: NodeJS.ProcessEnv, cpus?: number): number {
  const raw = env.HAKUBE_MAX_ACTIVITIES?.trim();
  if (!raw) return defaultMaxActivities(cpus);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < MIN_ACTIVITIES)
    throw new WorkerSettingsError(
      `HAKUBE_MAX_ACTIVITIES / --max-activities: ${JSON.stringify(raw)} is not a whole number of at least ${MIN_ACTIVITIES} (etcd members start together)`,
    );
  return n;
}
