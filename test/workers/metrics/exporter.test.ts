// hakube's metrics through the SDK's real Prometheus exporter (one runtime per test process):
// the names, labels and values a scrape shows — what docs/metrics.md promises.
import { spawnSync } from 'node:child_process';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime } from '@temporalio/worker';
import { createHakubeMetrics, type HakubeMetrics } from '../../../workers/metrics/hakube-metrics';
import { installRuntimeWithMetrics } from '../../../workers/metrics/runtime';
import { summarizeApprovals } from '../../../workers/metrics/approvals';
import { operationCounts } from '../../../workers/metrics/operation-counts';
import { freePort } from '../../helpers/ports';
import { eventually } from '../../helpers/temporal';
import { scrape, sample } from '../../helpers/prometheus';

let address: string;
let metrics: HakubeMetrics;

before(async () => {
  address = `127.0.0.1:${await freePort()}`;
  const served = installRuntimeWithMetrics({}, { address, explicit: true, refreshMs: 1000 });
  assert.equal(served, address);
  metrics = createHakubeMetrics(Runtime.instance().metricMeter, '9.9.9');
});

test('every hakube metric appears with its labels and values', async () => {
  metrics.stepFinished('ensureBinaries', 'completed', 42);
  metrics.stepFinished('ensureBinaries', 'failed', 0.2);
  metrics.stepRetried('ensureBinaries');
  metrics.stepRetried('ensureBinaries');
  metrics.bundleVerified('verified');
  metrics.bundleVerified('cached');
  metrics.bundleVerified('cached');
  metrics.snapshotStored('prod', new Date('2026-12-06T10:00:00.500Z'));
  metrics.approvals(
    summarizeApprovals(
      [{ operation: 'restore', waitingSince: new Date('2026-12-06T10:00:00Z') }],
      new Date('2026-12-06T11:00:00Z'),
    ),
  );
  metrics.operations(
    operationCounts('backup', { count: 4, groups: [{ count: 4, groupValues: [['Completed']] }] }),
  );
  metrics.refreshFailed('approvals');

  const text = await eventually(
    async () => {
      const t = await scrape(address);
      return t.includes('hakube_metrics_refresh_failures_total') ? t : undefined;
    },
    10_000,
    'the metrics to be exported',
  );
  assert.equal(sample(text, 'hakube_build_info', { version: '9.9.9' }), 1);
  assert.equal(
    sample(text, 'hakube_activity_duration_seconds_count', {
      activity_type: 'ensureBinaries',
      outcome: 'completed',
    }),
    1,
  );
  // The step buckets reach an hour: a 42 s upload is below 60 and above 30.
  const bucket = (le: string) =>
    sample(text, 'hakube_activity_duration_seconds_bucket', {
      activity_type: 'ensureBinaries',
      outcome: 'completed',
      le,
    });
  assert.deepEqual([bucket('30'), bucket('60'), bucket('3600')], [0, 1, 1]);
  assert.equal(sample(text, 'hakube_activity_retries_total', { activity_type: 'ensureBinaries' }), 2);
  assert.equal(sample(text, 'hakube_bundle_verifications_total', { result: 'cached' }), 2);
  assert.equal(sample(text, 'hakube_last_good_backup_timestamp_seconds', { cluster: 'prod' }), 1796551200.5);
  assert.equal(sample(text, 'hakube_approvals_waiting', { operation: 'restore' }), 1);
  assert.equal(sample(text, 'hakube_approvals_waiting', { operation: 'install' }), 0);
  assert.equal(sample(text, 'hakube_approval_oldest_wait_seconds', { operation: 'restore' }), 3600);
  assert.equal(sample(text, 'hakube_operations', { operation: 'backup', status: 'completed' }), 4);
  assert.equal(sample(text, 'hakube_operations', { operation: 'backup', status: 'failed' }), 0);
  assert.equal(sample(text, 'hakube_metrics_refresh_failures_total', { source: 'approvals' }), 1);
});

/** installRuntimeWithMetrics in a process of its own (a runtime installs once per process). */
function installElsewhere(address: string, explicit: boolean): { status: number | null; out: string } {
  const script = `
    const { installRuntimeWithMetrics } = require(${JSON.stringify(require.resolve('../../../workers/metrics/runtime'))});
    try {
      const served = installRuntimeWithMetrics({}, { address: ${JSON.stringify(address)}, explicit: ${explicit}, refreshMs: 1000 });
      console.log('served: ' + served);
    } catch (e) { console.log(e.name + ': ' + e.message); process.exit(3); }
    process.exit(0);`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('a taken address: refused when the user chose it, metrics off with a warning when it is the default', () => {
  // This process serves `address`: another exporter there cannot bind.
  const chosen = installElsewhere(address, true);
  assert.equal(chosen.status, 3, chosen.out);
  assert.match(
    chosen.out,
    new RegExp(`WorkerSettingsError: metrics address ${address.replace(/\./g, '\\.')} is in use`),
  );
  const byDefault = installElsewhere(address, false);
  assert.equal(byDefault.status, 0, byDefault.out);
  assert.match(byDefault.out, /served: undefined/);
  assert.match(byDefault.out, /metrics off: the default metrics address is in use/);
});
