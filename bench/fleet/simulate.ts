// A fleet simulation: the real install workflow (the prebuilt bundle) on Temporal's time-skipping
// server, with stand-in activities that answer at once, for clusters of growing size. It reports,
// per size, what Temporal keeps of one install: history events and bytes (the limits are 51,200
// events and 50 MiB per history; the server warns from 10,240 events and 10 MiB), the bytes of the
// largest single event, and the wall time and worker memory the orchestration itself takes. (A
// client with gRPC's default 4 MiB message limit cannot read a history page larger than that:
// the reading client here raises its limit; hakube's own clients and the worker do not.)
//   node dist/bench/fleet/simulate.js [SIZES]   e.g. 10,50,100,200 (default)
import { Worker } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { validateClusterSpec } from '../../cluster/validate';
import type { Cluster } from '../../cluster/spec';
import { DEFAULT_BUNDLE_PATH } from '../../workers/worker';
import { startTimeSkipping } from '../../test/helpers/time-skipping';
import { INSTALL_ACTIVITIES, INSTALL_RESULTS } from '../../test/helpers/install-stand-ins';

/** 3 control-plane + etcd hosts and `workers` workers, with addresses in 10.x. */
export function fleetCluster(workers: number): Cluster {
  const hosts = [
    ...[1, 2, 3].map((i) => ({
      name: `master-${i}`,
      address: `10.0.0.${10 + i}`,
      roles: ['control-plane', 'etcd'],
    })),
    ...Array.from({ length: workers }, (_, i) => ({
      name: `worker-${i + 1}`,
      address: `10.${1 + Math.floor(i / 250)}.${Math.floor((i % 250) / 250)}.${(i % 250) + 1}`,
      roles: ['worker'],
    })),
  ];
  const r = validateClusterSpec({
    apiVersion: 'hakube.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'fleet' },
    spec: {
      ssh: { privateKeyPath: '/k' },
      hosts,
      controlPlaneEndpoint: { mode: 'keepalived', vip: '10.0.0.10', interface: 'eth0' },
      artifacts: { source: 'bundle', bundleDir: '/srv/hakube-bundle' },
    },
  });
  if (!r.cluster) throw new Error(JSON.stringify(r.problems).slice(0, 500));
  return r.cluster;
}

/** The result, or a thrown error saying what the server reports when the run makes no progress for 2 minutes. */
async function settledOrStalled(
  handle: { result(): Promise<unknown>; describe(): Promise<{ historyLength: number; raw: unknown }> },
  workers: number,
): Promise<void> {
  let last = -1;
  let since = Date.now();
  const done = handle.result().then(() => true);
  for (;;) {
    const finished = await Promise.race([
      done,
      new Promise<false>((r) => setTimeout(() => r(false), 10_000)),
    ]);
    if (finished) return;
    const d = await handle.describe();
    if (d.historyLength !== last) {
      last = d.historyLength;
      since = Date.now();
    } else if (Date.now() - since > 120_000) {
      const raw = d.raw as { pendingWorkflowTask?: { attempt?: number; state?: unknown } };
      throw new Error(
        `install of ${workers} workers stalled at ${last} events for 2 min; pending workflow task: ${JSON.stringify(raw.pendingWorkflowTask ?? null)}`,
      );
    }
  }
}

export interface FleetFigures {
  hosts: number;
  events: number;
  historyMiB: number;
  largestEventKiB: number;
  specKiB: number;
  seconds: number;
  workerRssMiB: number;
}

export async function simulateInstall(env: TestWorkflowEnvironment, workers: number): Promise<FleetFigures> {
  const cluster = fleetCluster(workers);
  const taskQueue = `fleet-${workers}`;
  const activities = Object.fromEntries(
    INSTALL_ACTIVITIES.map((n) => [n, async () => INSTALL_RESULTS[n] ?? {}]),
  );
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: DEFAULT_BUNDLE_PATH },
    activities,
    maxConcurrentActivityTaskExecutions: 200,
  });
  const t0 = Date.now();
  let rss = process.memoryUsage().rss;
  const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 200);
  const history = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start('installCluster', {
      taskQueue,
      workflowId: `fleet-install-${workers}`,
      args: [{ cluster, skipPhases: ['preflight'] }],
    });
    await settledOrStalled(handle, workers);
    // Read with a client that takes pages past gRPC's default 4 MiB (hakube's own clients do not).
    const connection = await Connection.connect({
      address: env.address,
      channelArgs: { 'grpc.max_receive_message_length': 1024 * 2 ** 20 },
    });
    try {
      return await new Client({ connection }).workflow.getHandle(handle.workflowId).fetchHistory();
    } finally {
      await connection.close();
    }
  });
  clearInterval(sampler);
  const events = history.events ?? [];
  const sizes = events.map((e) => temporal.api.history.v1.HistoryEvent.encode(e).finish().length);
  return {
    hosts: cluster.spec.hosts.length,
    events: events.length,
    historyMiB: temporal.api.history.v1.History.encode(history).finish().length / 2 ** 20,
    largestEventKiB: Math.max(...sizes) / 1024,
    specKiB: Buffer.byteLength(JSON.stringify(cluster)) / 1024,
    seconds: (Date.now() - t0) / 1000,
    workerRssMiB: rss / 2 ** 20,
  };
}

async function main(): Promise<void> {
  const sizes = (process.argv[2] ?? '10,50,100,200').split(',').map(Number);
  const env = await startTimeSkipping();
  try {
    process.stdout.write('hosts  events  history MiB  largest event KiB  spec KiB  wall s  worker RSS MiB\n');
    for (const workers of sizes) {
      const f = await simulateInstall(env, workers);
      process.stdout.write(
        `${String(f.hosts).padStart(5)}  ${String(f.events).padStart(6)}  ${f.historyMiB.toFixed(2).padStart(11)}  ${f.largestEventKiB.toFixed(1).padStart(17)}  ${f.specKiB.toFixed(1).padStart(8)}  ${f.seconds.toFixed(1).padStart(6)}  ${f.workerRssMiB.toFixed(0).padStart(14)}\n`,
      );
    }
  } finally {
    await env.teardown();
  }
}

if (require.main === module)
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
