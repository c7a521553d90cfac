// hakube's own metric names, in one place: docs/metrics.md lists them, and a test checks that
// the list there and this one agree. Counters end in _total as Prometheus names them; the
// SDK's own metrics (temporal_…) keep the names Temporal documents.

export const METRIC = {
  buildInfo: 'hakube_build_info',
  activityDuration: 'hakube_activity_duration_seconds',
  activityRetries: 'hakube_activity_retries_total',
  bundleVerifications: 'hakube_bundle_verifications_total',
  lastGoodBackup: 'hakube_last_good_backup_timestamp_seconds',
  approvalsWaiting: 'hakube_approvals_waiting',
  approvalOldestWait: 'hakube_approval_oldest_wait_seconds',
  operations: 'hakube_operations',
  refreshFailures: 'hakube_metrics_refresh_failures_total',
} as const;

/** Step durations run from milliseconds (a check that finds nothing to do) to an hour (an upload). */
export const ACTIVITY_DURATION_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];
