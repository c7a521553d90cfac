// Refreshes the metrics read from Temporal visibility (approvals waiting, operations by status)
// every `intervalMs`, while the worker runs. A failed refresh keeps the last values and is
// counted (hakube_metrics_refresh_failures_total): numbers that stopped moving are visible.
import { OPERATIONS } from '../../cluster/operations';
import { summarizeApprovals } from './approvals';
import type { HakubeMetrics } from './hakube-metrics';
import { operationCounts } from './operation-counts';
import type { VisibilitySource } from './visibility-source';

export interface VisibilityRefresh {
  /** One refresh now (the timer calls it; tests too). */
  refresh(): Promise<void>;
  stop(): void;
}

export function startVisibilityRefresh(opts: {
  source: VisibilitySource;
  metrics: Pick<HakubeMetrics, 'approvals' | 'operations' | 'refreshFailed'>;
  intervalMs: number;
  log: (msg: string, meta: Record<string, unknown>) => void;
  now?: () => Date;
}): VisibilityRefresh {
  const now = opts.now ?? (() => new Date());
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const failed = (source: 'approvals' | 'operations', err: unknown) => {
    // After stop the client closes under a refresh in flight: that is no failure.
    if (stopped) return;
    opts.metrics.refreshFailed(source);
    opts.log(`metrics: ${source} refresh failed`, { error: String(err) });
  };

  async function approvals(): Promise<void> {
    try {
      opts.metrics.approvals(summarizeApprovals(await opts.source.openOperations(), now()));
    } catch (err) {
      failed('approvals', err);
    }
  }

  async function operations(): Promise<void> {
    try {
      for (const operation of OPERATIONS)
        opts.metrics.operations(operationCounts(operation, await opts.source.countByStatus(operation)));
    } catch (err) {
      failed('operations', err);
    }
  }

  let inFlight = false;
  const refresh = () =>
    (running = running.then(async () => void (await Promise.all([approvals(), operations()]))));
  // A tick that finds the last refresh still running skips: a slow server must not pile them up.
  const tick = () => {
    if (inFlight) return;
    inFlight = true;
    void refresh().finally(() => (inFlight = false));
  };
  const timer = setInterval(tick, opts.intervalMs);
  timer.unref();
  tick();
  return {
    refresh,
    /**
     * Not waiting for a refresh in flight: its progress queries would wait for this very worker,
     * which is stopping. Closing the client ends them.
     */
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
