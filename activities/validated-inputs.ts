// The worker checks every cluster spec it is handed, not only the CLI: anyone who can start a
// workflow on the task queue could otherwise pass a spec the CLI would refuse (a newline in a
// path, a payload in a mirror URL) straight to root shells on the hosts. A spec that fails the
// schema's allow-lists or holds a control character is refused, non-retryable, naming each
// field. (Cross-field judgement, such as a renewal window longer than a certificate's life, is
// the CLI's: it makes a spec unwise, not unsafe.)
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from '../cluster/errors';
import { specShapeProblems } from '../cluster/validate';
import { wrapActivities, type AsyncFn } from './wrap';

/** Specs already checked, by content hash: one operation hands the same spec to hundreds of steps. */
const checked = new Map<string, string | undefined>();
const REMEMBERED = 64;

/** Undefined when `cluster` is a valid spec; else the problems, one line. */
export function clusterSpecProblem(cluster: unknown): string | undefined {
  const hash = createHash('sha256').update(JSON.stringify(cluster)).digest('hex');
  if (checked.has(hash)) return checked.get(hash);
  const errors = specShapeProblems(cluster).filter((p) => p.severity === 'error');
  const problem = errors.length ? errors.map((p) => `${p.path}: ${p.message}`).join('; ') : undefined;
  if (checked.size >= REMEMBERED) checked.delete(checked.keys().next().value as string);
  checked.set(hash, problem);
  return problem;
}

function clustersIn(args: unknown[]): unknown[] {
  return args.flatMap((a) =>
    a !== null && typeof a === 'object' && 'cluster' in a ? [(a as { cluster: unknown }).cluster] : [],
  );
}

export function withValidatedClusters<T extends Record<string, AsyncFn>>(activities: T): T {
  return wrapActivities(activities, async (run, { name, args }) => {
    for (const cluster of clustersIn(args)) {
      const problem = clusterSpecProblem(cluster);
      if (problem)
        throw ApplicationFailure.create({
          type: ErrorTypes.SpecInvalid,
          message: `${name}: the cluster spec it was given is refused: ${problem}`,
          nonRetryable: true,
        });
    }
    return run();
  });
}
