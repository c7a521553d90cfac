// The hakube worker: polls task queue `hakube`, runs the workflows (pre-bundled in production,
// bundled from source in development) and the activities wired to real dependencies.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createSshHostProvider } from '../activities/ssh-hosts';
import { SshPool } from '../activities/ssh';
import { TASK_QUEUE } from '../cluster/search-attributes';
import { createJsonLogger } from './logger';
import { requireNamespaceReady, SETUP_COMMAND } from '../client/namespace/readiness';
import { startHealthFile, workerAlive } from './health-file';
import { hakubeDataConverter } from '../client/codec/data-converter';
import { loadKeyRing, type LoadedKeys } from '../client/codec/keys';
import {
  describeConnection,
  temporalConnectionFromEnv,
  type TemporalConnection,
} from '../client/temporal-connection';
import { defaultMaxActivities, maxActivitiesFromEnv } from './concurrency';
import { activityMetricsInterceptor } from './metrics/activity-interceptor';
import { createHakubeMetrics, type HakubeMetrics } from './metrics/hakube-metrics';
import { installRuntimeWithMetrics } from './metrics/runtime';
import { metricsSettingsFromEnv, type MetricsSettings } from './metrics/settings';
import { startVisibilityMetrics } from './metrics/visibility-metrics';
import type { WorkflowSource } from './replay-open-executions';
import { failOrphanedAttempts, processIsAlive, workerIdentity, type ThisProcess } from './orphaned-attempts';
import {
  replayCheckSettingsFromEnv,
  requireOpenExecutionsReplay,
  type ReplayCheckSettings,
} from './start-replay-check';

export interface WorkerConfig {
  /** Address, TLS and API key (the Temporal CLI's environment variables). */
  connection: TemporalConnection;
  namespace: string;
  taskQueue: string;
  /** A bundle made by `bundleWorkflowCode` (workers/bundle.ts); without it workflows are bundled at start. */
  workflowBundlePath?: string;
  /** Payload encryption (client/codec): on when it holds a key ring; clients must use the same keys. */
  codec?: LoadedKeys;
  /**
   * With encryption on, accept payloads that are not encrypted (HAKUBE_CODEC_ALLOW_PLAINTEXT=1):
   * only while operations started before encryption was turned on still run.
   */
  allowPlaintext?: boolean;
  /** Prometheus endpoint (workers/metrics/settings.ts); undefined: off. */
  metrics?: MetricsSettings;
  /** Steps run at once (workers/concurrency.ts); the machine's default when absent. */
  maxActivities?: number;
  /** HAKUBE_HEALTH_FILE: renewed while the worker is healthy, for container health checks. */
  healthFile?: string;
  /** Replaying the open executions before polling (workers/start-replay-check.ts); on with defaults when absent. */
  replayCheck?: ReplayCheckSettings;
}

const PROJECT_ROOT = join(__dirname, '..', '..');
export const DEFAULT_BUNDLE_PATH = join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');

/**
 * The same workflows bundled with the failure converter that encodes messages and stack traces:
 * workflow code fails with it inside the sandbox, so encryption needs a bundle of its own.
 */
export function encryptedBundlePath(bundlePath: string): string {
  return bundlePath.replace(/(\.js)?$/, '.encrypted.js');
}

export function hakubeVersion(): string {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** `codecKeyFiles` (the CLI's --codec-key-file) replace the environment's encryption keys. */
export function workerConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  codecKeyFiles?: string[],
): WorkerConfig {
  const bundle = env.HAKUBE_WORKFLOW_BUNDLE ?? DEFAULT_BUNDLE_PATH;
  const connection = temporalConnectionFromEnv(env);
  return {
    connection,
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.HAKUBE_TASK_QUEUE ?? TASK_QUEUE,
    workflowBundlePath: env.HAKUBE_DEV === '1' || !existsSync(bundle) ? undefined : bundle,
    codec: loadKeyRing({ env, files: codecKeyFiles }),
    allowPlaintext: env.HAKUBE_CODEC_ALLOW_PLAINTEXT === '1',
    metrics: metricsSettingsFromEnv(env),
    maxActivities: maxActivitiesFromEnv(env),
    healthFile: env.HAKUBE_HEALTH_FILE || undefined,
    replayCheck: replayCheckSettingsFromEnv(env),
  };
}

let runtimeInstalled = false;
let pool: SshPool | undefined;

/** One SSH pool per worker process: connections are shared by every activity on a host. */
function sshPool(): SshPool {
  pool ??= new SshPool({ log: (msg, meta) => Runtime.instance().logger.info(msg, meta) });
  return pool;
}

/**
 * Installs the JSON logger and the metrics endpoint once per process (Runtime.install may only
 * run once). Returns the address metrics are served on, if any.
 */
export function installRuntime(metrics?: MetricsSettings): string | undefined {
  if (runtimeInstalled) return undefined;
  const served = installRuntimeWithMetrics(
    { logger: createJsonLogger(), shutdownSignals: ['SIGINT', 'SIGTERM', 'SIGQUIT'] },
    metrics,
  );
  runtimeInstalled = true;
  return served;
}

/** The prebuilt bundle matching the encryption setting, else bundling from source (with the same converters). */
export function workflowSource(config: WorkerConfig): WorkflowSource {
  const fromSource = { workflowsPath: require.resolve('../workflows') };
  if (!config.workflowBundlePath) return fromSource;
  if (!config.codec?.ring) return { workflowBundle: { codePath: config.workflowBundlePath } };
  const encrypted = encryptedBundlePath(config.workflowBundlePath);
  if (existsSync(encrypted)) return { workflowBundle: { codePath: encrypted } };
  Runtime.instance().logger.warn('no prebuilt workflow bundle for encryption: bundling from source', {
    missing: encrypted,
    hint: 'node dist/workers/bundle.js writes it',
  });
  return fromSource;
}

function workerDataConverter(config: WorkerConfig) {
  return hakubeDataConverter(config.codec?.ring, { refusePlaintext: !config.allowPlaintext });
}

/** `metrics`: hakube's own, on the runtime's meter (served when the runtime exports metrics). */
export async function createWorker(
  config: WorkerConfig,
  connection: NativeConnection,
  metrics: HakubeMetrics = createHakubeMetrics(Runtime.instance().metricMeter, hakubeVersion()),
): Promise<Worker> {
  const maxActivities = config.maxActivities ?? defaultMaxActivities();
  return Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    ...workflowSource(config),
    dataConverter: workerDataConverter(config),
    // A stop (SIGTERM) lets running steps finish for this long; then they are cancelled, which
    // ends their remote commands and uploads (activities/ssh-hosts.ts), and they retry elsewhere.
    shutdownGraceTime: '30 seconds',
    // Temporal's default format, set here because endOrphanedAttempts relies on it.
    identity: workerIdentity(thisProcess()),
    maxConcurrentActivityTaskExecutions: maxActivities,
    maxConcurrentLocalActivityExecutions: maxActivities,
    interceptors: { activity: [activityMetricsInterceptor(metrics)] },
    activities: createActivities({
      version: hakubeVersion(),
      hosts: createSshHostProvider(sshPool()),
      metrics,
    }),
  });
}

/** Runs until SIGINT/SIGTERM (graceful: in-flight activities finish or are handed back). */
export async function runWorker(config: WorkerConfig): Promise<void> {
  const metricsAddress = installRuntime(config.metrics);
  for (const warning of config.codec?.warnings ?? []) Runtime.instance().logger.warn(warning);
  const connection = await NativeConnection.connect(config.connection);
  let visibility: { stop(): Promise<void> } | undefined;
  try {
    // Checked, never registered: registering needs admin rights (`hakube namespace setup`).
    const readiness = await requireNamespaceReady(connection, config.namespace);
    if (!readiness.checked)
      Runtime.instance().logger.warn(
        `could not check hakube's search attributes; ${SETUP_COMMAND} sets them`,
        {
          reason: readiness.reason,
        },
      );
    // Before the worker exists, so a refusal leaves nothing half-started; the same code and
    // converter the worker will run, so what replays here replays there.
    await requireOpenExecutionsReplay(
      {
        connection,
        namespace: config.namespace,
        taskQueue: config.taskQueue,
        source: workflowSource(config),
        dataConverter: workerDataConverter(config),
      },
      config.replayCheck ?? replayCheckSettingsFromEnv({}),
      Runtime.instance().logger,
    );
    await endOrphanedAttempts(config, connection);
    const metrics = createHakubeMetrics(Runtime.instance().metricMeter, hakubeVersion());
    const worker = await createWorker(config, connection, metrics);
    if (metricsAddress && config.metrics)
      visibility = await startVisibilityMetrics({
        connection: config.connection,
        namespace: config.namespace,
        taskQueue: config.taskQueue,
        codecKeys: config.codec?.ring,
        metrics,
        intervalMs: config.metrics.refreshMs,
        log: (msg, meta) => Runtime.instance().logger.warn(msg, meta),
      });
    Runtime.instance().logger.info('hakube worker started', {
      ...describeConnection(config.connection),
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      workflows: config.workflowBundlePath ? 'prebuilt bundle' : 'bundled from source',
      payloadEncryption: encryptionSummary(config.codec),
      metrics: metricsAddress ? `http://${metricsAddress}/metrics` : 'off',
      maxActivities: config.maxActivities ?? defaultMaxActivities(),
    });
    const health = config.healthFile
      ? startHealthFile({
          path: config.healthFile,
          alive: () => workerAlive(worker, connection, 5_000),
          onError: (err) => Runtime.instance().logger.warn('health file not written', { error: String(err) }),
        })
      : undefined;
    try {
      await worker.run();
    } finally {
      await health?.stop();
    }
    Runtime.instance().logger.info('hakube worker stopped');
  } finally {
    await visibility?.stop();
    await connection.close();
  }
}

function thisProcess(): ThisProcess {
  return { hostname: hostname(), pid: process.pid, isAlive: processIsAlive };
}

/**
 * Before polling: attempts an earlier worker of this machine left running when it died are ended,
 * so they are retried now rather than after their heartbeat or start-to-close timeout. A server
 * that will not list executions only costs that speed-up.
 */
async function endOrphanedAttempts(config: WorkerConfig, connection: NativeConnection): Promise<void> {
  const log = Runtime.instance().logger;
  try {
    const ended = await failOrphanedAttempts({
      connection,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      dataConverter: workerDataConverter(config),
      self: thisProcess(),
    });
    for (const a of ended)
      log.info('ended an attempt a dead worker of this machine left running; it is retried now', { ...a });
  } catch (err) {
    log.warn('could not look for attempts a dead worker left running; they retry after their timeout', {
      error: String(err),
    });
  }
}

/** What the start log says about encryption: key ids only, never keys. */
function encryptionSummary(codec: LoadedKeys | undefined): Record<string, unknown> | 'off' {
  if (!codec?.ring) return 'off';
  return {
    keyId: codec.ring.current.id,
    previousKeyIds: codec.ring.previous.map((k) => k.id),
    source: codec.source,
  };
}
