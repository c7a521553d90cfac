// `hakube namespace setup` against a real dev server: creates or adjusts a namespace, registers
// hakube's search attributes once (a second run changes nothing), refuses an attribute of another
// type; the worker refuses a namespace without them, naming the command; `hakube history` and
// `restore --rollback` say what the retention hides.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import {
  customSearchAttributes,
  describeNamespace,
  msToDuration,
  retentionOf,
} from '../../../client/namespace/grpc';
import { NamespaceNotReadyError, requireNamespaceReady } from '../../../client/namespace/readiness';
import { SEARCH_ATTRIBUTE_TYPES } from '../../../cluster/search-attributes';
import { runCli } from '../../helpers/cli';
import { makeTempHome, REPO_ROOT } from '../../helpers/temp-home';
import { eventually, startTestServer, type TestServer } from '../../helpers/temporal';
import { startWorkerProcess } from '../../helpers/worker-process';

const DAY = 86_400_000;
const { INDEXED_VALUE_TYPE_KEYWORD: KEYWORD, INDEXED_VALUE_TYPE_TEXT: TEXT } =
  temporal.api.enums.v1.IndexedValueType;
let server: TestServer;
let connection: Connection;
let home = '';

before(async () => {
  server = await startTestServer();
  connection = await Connection.connect({ address: server.address });
  home = makeTempHome();
  copyFileSync(join(REPO_ROOT, 'examples', 'cluster.yaml'), join(home, 'cluster.yaml'));
});
after(async () => {
  await connection?.close();
  await server?.stop();
  rmSync(home, { recursive: true, force: true });
});

const cli = (args: string[], namespace = 'default') =>
  runCli(args, {
    HOME: home,
    HAKUBE_HOME: join(home, '.hakube'),
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: namespace,
  });

/** A namespace as someone else made it: `retentionDays`, and only the attributes given. */
async function foreignNamespace(
  name: string,
  retentionDays: number,
  attributes: Record<string, number> = {},
) {
  await connection.workflowService.registerNamespace({
    namespace: name,
    workflowExecutionRetentionPeriod: msToDuration(retentionDays * DAY),
  });
  await eventually(
    async () => (await customSearchAttributes(connection, name)) && true,
    30_000,
    `${name} listed`,
  );
  if (Object.keys(attributes).length)
    await connection.operatorService.addSearchAttributes({ namespace: name, searchAttributes: attributes });
}

async function retentionDays(namespace: string): Promise<number | undefined> {
  const d = await describeNamespace(connection, namespace);
  const ms = d && retentionOf(d);
  return ms === undefined ? undefined : ms / DAY;
}

test('hakube server start sets its dev server up: 30 days, the attributes as Keyword', async () => {
  assert.equal(await retentionDays('default'), 30);
  const attrs = await customSearchAttributes(connection, 'default');
  for (const name of Object.keys(SEARCH_ATTRIBUTE_TYPES)) assert.equal(attrs[name], KEYWORD, name);
  assert.deepEqual(await requireNamespaceReady(connection, 'default'), { checked: true });
});

test('the worker refuses a namespace without the attributes, naming the command; setup twice fixes it once', async () => {
  await foreignNamespace('bare', 1, { HakubeCluster: KEYWORD });
  await assert.rejects(
    requireNamespaceReady(connection, 'bare'),
    (err: unknown) =>
      err instanceof NamespaceNotReadyError &&
      /namespace bare: lacks hakube's search attributes HakubeOperation, HakubePhase; .*`hakube namespace setup --namespace bare`/.test(
        err.message,
      ),
  );
  // The real worker process: it exits before polling, with the same message.
  const w = startWorkerProcess(server.address, 'hakube-test-namespace-bare', { TEMPORAL_NAMESPACE: 'bare' });
  assert.equal(await w.exited, 1, w.logs());
  assert.match(w.logs(), /hakube namespace setup --namespace bare/);
  assert.doesNotMatch(w.logs(), /hakube worker started/);

  const first = await cli(['namespace', 'setup'], 'bare');
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(first.stdout.trim().split('\n'), [
    'namespace bare: exists, retention 1 day → 30 days',
    '  search attribute HakubeCluster (Keyword): already registered',
    '  search attribute HakubeOperation (Keyword): registered',
    '  search attribute HakubePhase (Keyword): registered',
  ]);
  const second = await cli(['namespace', 'setup', '--json'], 'bare');
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(JSON.parse(second.stdout), {
    namespace: 'bare',
    created: false,
    retention: { ms: 30 * DAY, previousMs: 30 * DAY, changed: false },
    searchAttributes: { added: [], present: ['HakubeCluster', 'HakubeOperation', 'HakubePhase'] },
  });
  assert.equal(await retentionDays('bare'), 30);
  assert.deepEqual(await requireNamespaceReady(connection, 'bare'), { checked: true });
});

test('a missing namespace is created; a longer retention is kept unless --retention says otherwise', async () => {
  const created = await cli(['namespace', 'setup', '--retention', '45d'], 'brand-new');
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^namespace brand-new: created, retention 45 days$/m);
  assert.equal(await retentionDays('brand-new'), 45);
  const kept = await cli(['namespace', 'setup'], 'brand-new');
  assert.match(kept.stdout, /^namespace brand-new: exists, retention 45 days \(unchanged\)$/m);
  assert.equal(await retentionDays('brand-new'), 45);
  const lowered = await cli(['namespace', 'setup', '--retention', '31d'], 'brand-new');
  assert.match(lowered.stdout, /retention 45 days → 31 days/);
  assert.equal(await retentionDays('brand-new'), 31);
});

test('an attribute of hakube’s name with another type is refused, and nothing is changed', async () => {
  await foreignNamespace('conflict', 2, { HakubePhase: TEXT });
  const r = await cli(['namespace', 'setup'], 'conflict');
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /namespace conflict: HakubePhase is Text, hakube needs Keyword/);
  assert.equal(await retentionDays('conflict'), 2);
  const attrs = await customSearchAttributes(connection, 'conflict');
  assert.equal(attrs.HakubeCluster, undefined);
  await assert.rejects(requireNamespaceReady(connection, 'conflict'), /HakubePhase is Text/);
});

test('--retention under a day or not a duration is refused before connecting', async () => {
  for (const bad of ['12h', '30', 'forever']) {
    const r = await runCli(['namespace', 'setup', '--retention', bad], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--retention: /);
  }
});

test('hakube history and restore --rollback say what the retention hides', async () => {
  const history = await cli(['history', 'nothing-here']);
  assert.equal(history.code, 0, history.stderr);
  assert.deepEqual(history.stdout.trim().split('\n'), [
    'no finished operations of nothing-here',
    'closed operations are kept for 30 days (namespace retention); older ones are gone',
  ]);
  const rollback = await cli(['restore', '-f', join(home, 'cluster.yaml'), '--rollback', 'restore-gone']);
  assert.equal(rollback.code, 2, rollback.stdout + rollback.stderr);
  assert.match(
    rollback.stderr,
    /cannot find the failed restore restore-gone: closed operations are kept for 30 days \(namespace retention\); older ones are gone/,
  );
});
