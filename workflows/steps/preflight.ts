// Preflight: facts gathered from hosts, then every check evaluated at once (install and join).
// Nothing on any host has changed when it fails.
import { ApplicationFailure } from '@temporalio/workflow';
import { ErrorTypes } from '../../cluster/errors';
import { steps } from '../../cluster/plan/steps';
import {
  evaluatePreflight,
  type GatheredFacts,
  type PreflightIssue,
  type PreflightOptions,
} from '../../cluster/preflight';
import type { Cluster, HostSpec } from '../../cluster/spec';
import { acts, runStep } from '../shared/activities';
import { onEachHost } from '../shared/hosts';
import type { OperationTracker } from '../shared/tracker';

const describe = (i: PreflightIssue) => `${i.host ? `${i.host}: ` : ''}[${i.check}] ${i.message}`;

/** Facts from every host of `hosts` at once. */
export async function gatherFactsFrom(
  t: OperationTracker,
  cluster: Cluster,
  hosts: HostSpec[],
): Promise<Record<string, GatheredFacts>> {
  const gathered: Record<string, GatheredFacts> = {};
  await onEachHost(hosts, async (h) => {
    gathered[h.name] = await runStep(t, 'preflight', steps.gatherFacts(h.name), acts.gatherFacts, [
      { cluster, host: h.name },
    ]);
  });
  return gathered;
}

/** The step that evaluates every check at once and fails (non-retryably) listing every problem. */
export async function evaluateGatheredFacts(
  t: OperationTracker,
  cluster: Cluster,
  gathered: Record<string, GatheredFacts>,
  warnings: string[],
  opts: PreflightOptions = {},
): Promise<void> {
  await t.step('preflight', steps.evaluatePreflight(), async () => {
    const report = evaluatePreflight(cluster, gathered, opts);
    warnings.push(...report.warnings.map(describe));
    t.progress.warnings.push(...report.warnings.map(describe));
    if (report.errors.length) {
      throw ApplicationFailure.create({
        type: ErrorTypes.PreflightFailed,
        message: `preflight found ${report.errors.length} problem(s):\n${report.errors.map(describe).join('\n')}`,
        details: [report],
        nonRetryable: true,
      });
    }
  });
}
