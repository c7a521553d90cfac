// Installs the SDK runtime with its Prometheus exporter: the SDK's metrics (temporal_…) and
// hakube's (hakube_…, recorded on the runtime's meter) are served together on one address,
// under /metrics. Durations are in seconds, as Prometheus expects.
import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import { ACTIVITY_DURATION_BUCKETS, METRIC } from './names';
import type { MetricsSettings } from './settings';
import { WorkerSettingsError } from '../settings-error';

function withPrometheus(base: RuntimeOptions, settings: MetricsSettings): RuntimeOptions {
  return {
    ...base,
    telemetryOptions: {
      metrics: {
        prometheus: {
          bindAddress: settings.address,
          useSecondsForDurations: true,
          histogramBucketOverrides: { [METRIC.activityDuration]: ACTIVITY_DURATION_BUCKETS },
        },
      },
    },
  };
}

/**
 * Runtime.install with metrics on `settings.address`. The default address taken by another
 * program (a second worker on the machine) costs this worker its metrics, with a warning, not
 * its start; an address the user chose must work. Returns the address served, if any.
 */
export function installRuntimeWithMetrics(
  base: RuntimeOptions,
  settings: MetricsSettings | undefined,
): string | undefined {
  if (!settings) {
    Runtime.install(base);
    return undefined;
  }
  try {
    Runtime.install(withPrometheus(base, settings));
    return settings.address;
  } catch (err) {
    const inUse = /address already in use|os error 98/i.test(String(err));
    if (!inUse) throw err;
    if (settings.explicit)
      throw new WorkerSettingsError(
        `metrics address ${settings.address} is in use: choose another with --metrics`,
      );
    Runtime.install(base);
    Runtime.instance().logger.warn('metrics off: the default metrics address is in use', {
      address: settings.address,
      hint: 'give this worker its own with --metrics or HAKUBE_METRICS_ADDRESS',
    });
    return undefined;
  }
}
