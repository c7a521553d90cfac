// The visibility-fed metrics of a running worker: a client of its own (the worker's connection
// settings and payload keys: the progress query's answer is a payload) and the refresh timer.
import { HakubeClient } from '../../client/hakube-client';
import type { KeyRing } from '../../client/codec/keys';
import type { TemporalConnection } from '../../client/temporal-connection';
import type { HakubeMetrics } from './hakube-metrics';
import { startVisibilityRefresh } from './visibility-refresh';
import { visibilitySource } from './visibility-source';

export async function startVisibilityMetrics(opts: {
  connection: TemporalConnection;
  namespace: string;
  taskQueue: string;
  codecKeys: KeyRing | undefined;
  metrics: HakubeMetrics;
  intervalMs: number;
  log: (msg: string, meta: Record<string, unknown>) => void;
}): Promise<{ stop(): Promise<void> }> {
  const client = await HakubeClient.connect({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    codecKeys: opts.codecKeys ?? null,
  });
  const refresh = startVisibilityRefresh({
    source: visibilitySource(client),
    metrics: opts.metrics,
    intervalMs: opts.intervalMs,
    log: opts.log,
  });
  return {
    async stop() {
      refresh.stop();
      await client.close();
    },
  };
}
