// A host that does not answer: the install's steps on it retry with backoff (ConnectionRefused
// is retryable), nothing fails, and `hakube status` shows the attempt and why it is waiting;
// `hakube watch` and the Temporal Web UI (in a headless browser) show the same.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HakubeClient } from '../../client/hakube-client';
import { retryingLines } from '../../client/watch-view';
import { ensureTemporalBinary } from '../../client/server/temporal-binary';
import { validateClusterSpec } from '../../cluster/validate';
import type { Cluster } from '../../cluster/spec';
import { eventually, startWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/temporal';
import { freePort } from '../helpers/ports';
import { REPO_ROOT } from '../helpers/temp-home';
import { openBrowser, screenshot } from '../helpers/web-ui';

const TASK_QUEUE = 'hakube-test-host-down';
let env: WorkflowTestEnv;
let client: HakubeClient;
let dir: string;
let cluster: Cluster;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hakube-host-down-'));
  const key = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const closedPort = await freePort(); // nothing listens there: connections are refused
  // This machine's own address (a spec refuses loopback), so refusals come at once.
  const own = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  assert.ok(own, 'no non-loopback IPv4 address on this machine');
  const r = validateClusterSpec({
    apiVersion: 'hakube.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'down' },
    spec: {
      ssh: { privateKeyPath: key, port: closedPort, knownHosts: { path: join(dir, 'known_hosts') } },
      hosts: [{ name: 'node-1', address: own, roles: ['control-plane', 'etcd', 'worker'] }],
      controlPlaneEndpoint: { mode: 'external', address: 'api.down.example.internal', port: 6443 },
    },
  });
  assert.ok(r.cluster, JSON.stringify(r.problems));
  cluster = r.cluster;
  env = await startWorkflowTestEnv(TASK_QUEUE);
  client = env.client;
});

after(async () => {
  await env?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('steps on a host that is down retry with backoff, and status says why', async () => {
  const { workflowId } = await client.startInstall({ cluster });
  const pending = await eventually(
    async () => {
      const steps = (await client.execution(workflowId)).pending;
      return steps.find((s) => s.attempt >= 3) ? steps : undefined;
    },
    60_000,
    'a third attempt',
  );
  const facts = pending.find((s) => s.activity === 'gatherFacts');
  assert.ok(facts, JSON.stringify(pending));
  assert.match(facts.lastFailure ?? '', /refused/i);
  const progress = await client.progress(workflowId);
  assert.equal(progress.status, 'running');
  assert.equal(progress.phases.find((p) => p.name === 'preflight')?.status, 'running');
  assert.match(retryingLines(pending).join('\n'), /retrying gatherFacts \(attempt \d+\): .*refused/i);

  // `hakube watch`, not a terminal: plain lines, the retry among them; it ends with the operation.
  const watch = spawn(process.execPath, [
    join(REPO_ROOT, 'bin', 'hakube.js'),
    'watch',
    workflowId,
    '--address',
    env.server.address,
  ]);
  let out = '';
  watch.stdout.on('data', (d: Buffer) => (out += d.toString()));
  watch.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exit = once(watch, 'exit');
  await eventually(
    async () => /retrying gatherFacts \(attempt \d+\): .*refused/i.test(out),
    60_000,
    'a retry line from hakube watch',
  );
  assert.match(out, /phase preflight: running/);
  assert.match(out, /preflight\/facts\/node-1 @node-1: started/);

  // The Web UI, as a person follows the install without the CLI: found by its search attribute,
  // its summary and the current details (the phase being retried) on the workflow's page.
  const browser = await openBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const query = encodeURIComponent(
      `HakubeCluster="${cluster.metadata.name}" AND HakubeOperation="install"`,
    );
    await page.goto(`${env.server.status.uiUrl}/namespaces/default/workflows?query=${query}`);
    await page.getByRole('link', { name: workflowId, exact: true }).first().click();
    // The workflow's page opens on its timeline; its "User Metadata" tab holds the details.
    await page.waitForURL(/\/workflows\/[^/]+\/[^/]+\/\w+/);
    await page.goto(page.url().replace(/\/[a-z-]+$/, '/user-metadata'));
    // The UI renders summary and details (markdown) in frames of their own: read every frame.
    const pageText = async () =>
      (
        await Promise.all(
          // evaluate, not a locator: a frame being replaced must not hold the poll for 30 s.
          page
            .frames()
            .map((f) => f.evaluate<string>('document.body ? document.body.innerText : ""').catch(() => '')),
        )
      ).join('\n');
    for (const shown of [
      `install ${cluster.metadata.name}: 1 host, Kubernetes`,
      'Preflight checks: running (preflight/facts/node-1)',
    ])
      await eventually(async () => (await pageText()).includes(shown), 30_000, `"${shown}" in the Web UI`);
    const shot = await screenshot(page, 'web-ui-install-current-details');
    process.stderr.write(`  [web-ui] ${shot}\n`);
  } catch (err) {
    const [page] = browser.contexts()[0]?.pages() ?? [];
    if (page)
      process.stderr.write(`  [web-ui] at ${page.url()}: ${await screenshot(page, 'web-ui-failure')}\n`);
    throw err;
  } finally {
    await browser.close();
  }

  execFileSync(ensureTemporalBinary(), [
    'workflow',
    'terminate',
    '-w',
    workflowId,
    '--reason',
    'test done',
    '--address',
    env.server.address,
  ]);
  const [code] = (await exit) as [number | null];
  assert.equal(code, 1, out);
  assert.match(out, /failed/);
});
