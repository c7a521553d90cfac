// A fresh lab with everything an operation needs, for a proof scenario or a lab e2e test file:
// lab machines (3 masters + N workers by default), the lab's offline bundle (a cache hit once
// built), a Temporal dev server of its own, the real worker as a process (so it can be
// SIGKILLed), a client, and SSH to the hosts. `close()` removes all of it.
import { buildBundle } from '../../activities/bundle';
import { RemoteHost, SshPool } from '../../activities/ssh';
import { sshTargetFor } from '../../activities/ssh-hosts';
import { withResolvedBundleDir } from '../../client/bundle-dir';
import type { HakubeClient } from '../../client/hakube-client';
import { hakubeCache } from '../../client/paths';
import { loadClusterOrThrow } from '../../client/spec-file';
import type { Cluster } from '../../cluster/spec';
import { hostByName } from '../../cluster/topology';
import { labDown, labUp, type LabInfo } from '../../lab';
import { LAB_KUBERNETES_VERSION } from '../../lab/spec';
import { connectClient, startTestServer, type TestServer } from './temporal';
import { killWorker, startedWorkerProcess, type WorkerProcess } from './worker-process';

export interface LabSession {
  lab: LabInfo;
  /** The lab's cluster spec (hosts reached through `on`), until `useCluster` replaces it. */
  readonly cluster: Cluster;
  /** After the lab grew or shrank: the spec `on` and later operations use. */
  useCluster(cluster: Cluster): void;
  server: TestServer;
  client: HakubeClient;
  taskQueue: string;
  worker(): WorkerProcess;
  /** SIGKILL the worker process (no goodbye), wait `pauseMs`, start a new one; resolves once it polls. */
  restartWorker(pauseMs?: number): Promise<void>;
  on(host: string): RemoteHost;
  close(): Promise<void>;
}

/** The lab's offline bundle, built once and then a cache hit (the source-bundle test builds the same one). */
export async function ensureLabBundle(log: (l: string) => void): Promise<void> {
  await buildBundle({
    kubernetesVersion: LAB_KUBERNETES_VERSION,
    cacheDir: hakubeCache(),
    goLowPriority: true,
    onProgress: (l) => log(`[bundle] ${l}`),
  });
}

/** Boots lab `name` from scratch (an old one of that name is removed first). */
export async function openLabSession(opts: {
  name: string;
  masters?: number;
  workers?: number;
  /** Default hakube-proof-<name>. */
  taskQueue?: string;
  log: (l: string) => void;
}): Promise<LabSession> {
  await ensureLabBundle(opts.log);
  await labDown({ name: opts.name }).catch(() => undefined);
  const lab = await labUp({
    name: opts.name,
    masters: opts.masters ?? 3,
    workers: opts.workers ?? 2,
    onProgress: (l) => opts.log(`[lab] ${l}`),
  });
  const pool = new SshPool();
  let server: TestServer | undefined;
  let worker: WorkerProcess | undefined;
  let client: HakubeClient | undefined;
  const taskQueue = opts.taskQueue ?? `hakube-proof-${opts.name}`;
  const close = async () => {
    pool.closeAll();
    await client?.close().catch(() => undefined);
    if (worker) await killWorker(worker);
    await server?.stop().catch(() => undefined);
    await labDown({ name: opts.name }).catch(() => undefined);
  };
  try {
    let cluster = withResolvedBundleDir(loadClusterOrThrow(lab.specPath).cluster);
    server = await startTestServer();
    worker = await startedWorkerProcess(server.address, taskQueue);
    client = await connectClient(server.address, taskQueue);
    const address = server.address;
    return {
      lab,
      get cluster() {
        return cluster;
      },
      useCluster: (c) => {
        cluster = c;
      },
      server,
      client,
      taskQueue,
      worker: () => worker as WorkerProcess,
      async restartWorker(pauseMs = 2000) {
        await killWorker(worker as WorkerProcess);
        await new Promise((r) => setTimeout(r, pauseMs));
        worker = await startedWorkerProcess(address, taskQueue);
      },
      on: (host) => new RemoteHost(pool, sshTargetFor(cluster, hostByName(cluster, host))),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
