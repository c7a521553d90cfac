// Step metrics for every activity this worker runs, from an activity inbound interceptor: the
// worker sees each attempt start and end, so durations, outcomes and retries need nothing from
// the activities themselves (or from the workflows, whose code stays metrics-free).
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { HakubeMetrics } from './hakube-metrics';
import { stepOutcome } from './outcome';

export function activityMetricsInterceptor(
  metrics: Pick<HakubeMetrics, 'stepFinished' | 'stepRetried'>,
): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        const { activityType, attempt } = ctx.info;
        if (attempt > 1) metrics.stepRetried(activityType);
        const started = process.hrtime.bigint();
        const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
        try {
          const result = await next(input);
          metrics.stepFinished(activityType, stepOutcome({ ok: true }, false), seconds());
          return result;
        } catch (error) {
          const outcome = stepOutcome({ ok: false, error }, ctx.cancellationSignal.aborted);
          metrics.stepFinished(activityType, outcome, seconds());
          throw error;
        }
      },
    },
  });
}
