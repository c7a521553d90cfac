// Preflight: facts from every host in parallel, then every check evaluated at once.
// Nothing on any host has changed when this phase fails.
import { ApplicationFailure } from '@temporalio/workflow';
import {
  evaluatePreflight,
  type GatheredFacts,
  type PreflightIssue,
  type PreflightOptions,
} from '../../cluster/preflight';
import type { Cluster } from '../../cluster/spec';
import type { OperationTracker } from '../shared/tracker';
import { ErrorTypes } from '../../cluster/errors';
import { acts, runStep } from '../shared/activities';
import { onEachHost, type InstallContext } from './context';

const describe = (i: PreflightIssue) => `${i.host ? `${i.host}: ` : ''}[${i.check}] ${i.message}`;

export async function preflight(ctx: InstallContext): Promise<void> {
  const { cluster, tracker } = ctx;
  const gathered: Record<string, GatheredFacts> = {};
  await onEachHost(cluster.spec.hosts, async (h) => {
    gathered[h.name] = await runStep(
      tracker,
      'preflight',
      { key: `preflight/facts/${h.name}`, title: 'gather facts', host: h.name },
      acts.gatherFacts,
      [{ cluster, host: h.name }],
    );
  });
  await evaluateGatheredFacts(tracker, cluster, gathered, ctx.warnings);
}

/** The step that evaluates every check at once and fails (non-retryably) listing every problem. */
export async function evaluateGatheredFacts(
  tracker: OperationTracker,
  cluster: Cluster,
  gathered: Record<string, GatheredFacts>,
  warnings: string[],
  opts: PreflightOptions = {},
): Promise<void> {
  await tracker.step('preflight', { key: 'preflight/evaluate', title: 'evaluate every check' }, async () => {
    const report = evaluatePreflight(cluster, gathered, opts);
    warnings.push(...report.warnings.map(describe));
    tracker.progress.warnings.push(...report.warnings.map(describe));
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
