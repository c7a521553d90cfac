// The hakube worker: polls task queue `hakube`, runs the workflows (pre-bundled in production,
// bundled from source in development) and the activities wired to real dependencies.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createSshHostProvider } from '../activities/ssh-hosts';
import { SshPool } from '../activities/ssh';
import { SEARCH_ATTRIBUTE_TYPES, TASK_QUEUE } from '../cluster/search-attributes';
import { createJsonLogger } from './logger';
import { ensureSearchAttributes } from '../client/server/search-attributes';
import { hakubeDataConverter } from '../client/codec/data-converter';
import { loadKeyRing, type LoadedKeys } from '../client/codec/keys';
import {
  describeConnection,
  temporalConnectionFromEnv,
  type TemporalConnection,
} from '../client/temporal-connection';

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
  };
}

let runtimeInstalled = false;
let pool: SshPool | undefined;

/** One SSH pool per worker process: connections are shared by every activity on a host. */
function sshPool(): SshPool {
  pool ??= new SshPool({ log: (msg, meta) => Runtime.instance().logger.info(msg, meta) });
  return pool;
}

/** Installs the JSON logger once per process (Runtime.install may only run once). */
export function installRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: createJsonLogger(), shutdownSignals: ['SIGINT', 'SIGTERM', 'SIGQUIT'] });
  runtimeInstalled = true;
}

type WorkflowSource = Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;

/** The prebuilt bundle matching the encryption setting, else bundling from source (with the same converters). */
function workflowSource(config: WorkerConfig): WorkflowSource {
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

export async function createWorker(config: WorkerConfig, connection: NativeConnection): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    ...workflowSource(config),
    dataConverter: hakubeDataConverter(config.codec?.ring, { refusePlaintext: !config.allowPlaintext }),
    // A stop (SIGTERM) lets running steps finish for this long; then they are cancelled, which
    // ends their remote commands and uploads (activities/ssh-hosts.ts), and they retry elsewhere.
    shutdownGraceTime: '30 seconds',
    activities: createActivities({ version: hakubeVersion(), hosts: createSshHostProvider(sshPool()) }),
  });
}

/** Runs until SIGINT/SIGTERM (graceful: in-flight activities finish or are handed back). */
export async function runWorker(config: WorkerConfig): Promise<void> {
  installRuntime();
  for (const warning of config.codec?.warnings ?? []) Runtime.instance().logger.warn(warning);
  // Servers other than `hakube server start` (compose, a shared cluster) may lack hakube's search attributes.
  const added = await ensureSearchAttributes(config.connection, config.namespace, SEARCH_ATTRIBUTE_TYPES);
  if (added.length) Runtime.instance().logger.info('registered search attributes', { added });
  const connection = await NativeConnection.connect(config.connection);
  try {
    const worker = await createWorker(config, connection);
    Runtime.instance().logger.info('hakube worker started', {
      ...describeConnection(config.connection),
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      workflows: config.workflowBundlePath ? 'prebuilt bundle' : 'bundled from source',
      payloadEncryption: encryptionSummary(config.codec),
    });
    await worker.run();
    Runtime.instance().logger.info('hakube worker stopped');
  } finally {
    await connection.close();
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
