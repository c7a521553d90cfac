// A fresh lab with everything an operation needs, for a proof scenario or a lab e2e test file:
// lab machines (3 masters + N workers by default), the lab's offline bundle (a cache hit once
// built), a Temporal dev server of its own, the real worker as a process (so it can be
// SIGKILLed), a client, and SSH to the hosts. `close()` removes all of it.
import { realpathSync } from 'node:fs';
import { buildBundle } from '../../activities/bundle';
import { latestBundleLink } from '../../activities/bundle/build';
import { RemoteHost, SshPool } from '../../activities/ssh';
import { sshTargetFor } from '../../activities/ssh-hosts';
import { withResolvedBundleDir } from '../../client/bundle-dir';
import type { HakubeClient } from '../../client/hakube-client';
import { hakubeCache } from '../../client/paths';
import { loadClusterOrThrow } from '../../client/spec-file';
import { DEFAULT_ARCH } from '../../cluster/bundle';
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

/**
 * The offline bundle of `kubernetesVersion` (default the lab's), built once and then a cache hit
 * (the source-bundle test builds the same one); returns its folder as a link-free path.
 */
export async function ensureLabBundle(
  log: (l: string) => void,
  kubernetesVersion = LAB_KUBERNETES_VERSION,
): Promise<string> {
  await buildBundle({
    kubernetesVersion,
    cacheDir: hakubeCache(),
    goLowPriority: true,
    onProgress: (l) => log(`[bundle] ${l}`),
  });
  // bundles/<k8s>-<arch> is a link that moves on: the spec names the exact bundle (client/bundle-dir.ts).
  return realpathSync(latestBundleLink(hakubeCache(), kubernetesVersion, DEFAULT_ARCH));
}

/** The lab's spec at another version: that version's bundle instead of the lab default's. */
function atVersion(cluster: Cluster, kubernetesVersion: string, bundleDir: string): Cluster {
  const artifacts = { ...cluster.spec.artifacts, source: 'bundle' as const, bundleDir };
  return { ...cluster, spec: { ...cluster.spec, kubernetesVersion, artifacts } };
}

/** Boots lab `name` from scratch (an old one of that name is removed first). */
export async function openLabSession(opts: {
  name: string;
  masters?: number;
  workers?: number;
  /** Default hakube-proof-<name>. */
  taskQueue?: string;
  /** The version the session's spec installs (its bundle built first); default the lab's. */
  kubernetesVersion?: string;
  log: (l: string) => void;
}): Promise<LabSession> {
  const bundleDir = await ensureLabBundle(opts.log, opts.kubernetesVersion);
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
    const labCluster = withResolvedBundleDir(loadClusterOrThrow(lab.specPath).cluster);
    let cluster = opts.kubernetesVersion
      ? atVersion(labCluster, opts.kubernetesVersion, bundleDir)
      : labCluster;
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
