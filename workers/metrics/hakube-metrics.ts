// hakube's own metrics, recorded on the SDK runtime's meter so that they are served by the
// same Prometheus endpoint as the SDK's (one port to scrape, one place to configure).
import type { MetricMeter } from '@temporalio/common';
import type { ActivityMetrics } from '../../activities/metrics';
import { METRIC } from './names';
import type { StepOutcome } from './outcome';
import type { ApprovalSummary } from './approvals';
import type { OperationCounts } from './operation-counts';

export interface HakubeMetrics extends ActivityMetrics {
  stepFinished(activityType: string, outcome: StepOutcome, seconds: number): void;
  stepRetried(activityType: string): void;
  approvals(summary: ApprovalSummary): void;
  operations(counts: OperationCounts): void;
  refreshFailed(source: 'approvals' | 'operations'): void;
}

export function createHakubeMetrics(meter: MetricMeter, version: string): HakubeMetrics {
  const duration = meter.createHistogram(
    METRIC.activityDuration,
    'float',
    's',
    'Time one attempt of a step (an activity) took, by activity type and outcome',
  );
  const retries = meter.createCounter(
    METRIC.activityRetries,
    '',
    'Attempts of a step after its first (attempt > 1), by activity type',
  );
  const verifications = meter.createCounter(
    METRIC.bundleVerifications,
    '',
    'Bundle verifications by result: verified (hashed), cached (unchanged since), refused',
  );
  const lastBackup = meter.createGauge(
    METRIC.lastGoodBackup,
    'float',
    's',
    'Unix time of the newest snapshot this worker stored whole at the backup target, by cluster',
  );
  const waiting = meter.createGauge(
    METRIC.approvalsWaiting,
    'int',
    '',
    'Open operations waiting for an approval, by operation',
  );
  const oldestWait = meter.createGauge(
    METRIC.approvalOldestWait,
    'float',
    's',
    'How long the longest-waiting approval has waited, by operation (0: none waits)',
  );
  const operations = meter.createGauge(
    METRIC.operations,
    'int',
    '',
    'Operations Temporal still knows (within retention), by operation and status',
  );
  const refreshFailures = meter.createCounter(
    METRIC.refreshFailures,
    '',
    'Failed refreshes of the metrics read from Temporal visibility, by source',
  );
  meter
    .createGauge(METRIC.buildInfo, 'int', '', 'Always 1; the version label says which hakube runs')
    .set(1, { version });

  return {
    stepFinished: (activityType, outcome, seconds) =>
      duration.record(seconds, { activity_type: activityType, outcome }),
    stepRetried: (activityType) => retries.add(1, { activity_type: activityType }),
    bundleVerified: (how) => verifications.add(1, { result: how }),
    snapshotStored: (cluster, takenAt) => lastBackup.set(takenAt.getTime() / 1000, { cluster }),
    approvals: (summary) => {
      for (const [operation, s] of Object.entries(summary)) {
        waiting.set(s.waiting, { operation });
        oldestWait.set(s.oldestWaitSeconds, { operation });
      }
    },
    operations: (counts) => {
      for (const { operation, status, count } of counts) operations.set(count, { operation, status });
    },
    refreshFailed: (source) => refreshFailures.add(1, { source }),
  };
}
