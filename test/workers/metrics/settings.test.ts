// Worker settings for metrics and concurrency: defaults, what is accepted, what is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_METRICS_ADDRESS,
  metricsSettingsFromEnv,
  parseMetricsAddress,
} from '../../../workers/metrics/settings';
import { defaultMaxActivities, maxActivitiesFromEnv } from '../../../workers/concurrency';
import { WorkerSettingsError } from '../../../workers/settings-error';

test('metrics are on by default, on loopback, and "off" turns them off', () => {
  assert.equal(DEFAULT_METRICS_ADDRESS, '127.0.0.1:9464');
  assert.deepEqual(metricsSettingsFromEnv({}), {
    address: '127.0.0.1:9464',
    explicit: false,
    refreshMs: 30_000,
  });
  assert.equal(metricsSettingsFromEnv({ HAKUBE_METRICS_ADDRESS: 'off' }), undefined);
  assert.deepEqual(
    metricsSettingsFromEnv({ HAKUBE_METRICS_ADDRESS: '0.0.0.0:9100', HAKUBE_METRICS_REFRESH_SECONDS: '5' }),
    { address: '0.0.0.0:9100', explicit: true, refreshMs: 5000 },
  );
});

test('a metrics address is an IP and a port; a bare port and localhost stay on loopback', () => {
  assert.equal(parseMetricsAddress('9464'), '127.0.0.1:9464');
  assert.equal(parseMetricsAddress('localhost:9000'), '127.0.0.1:9000');
  assert.equal(parseMetricsAddress('[::1]:9464'), '[::1]:9464');
  assert.equal(parseMetricsAddress(' 10.0.0.5:80 '), '10.0.0.5:80');
  for (const bad of [
    '',
    'metrics.example:9464',
    '127.0.0.1',
    '127.0.0.1:0',
    '127.0.0.1:70000',
    '300.1.1.1:1',
    ':9464',
  ])
    assert.throws(() => parseMetricsAddress(bad), WorkerSettingsError, bad);
});

test('steps run at once: 4 per core, at least 8; a setting below a 7-member etcd is refused', () => {
  assert.equal(defaultMaxActivities(1), 8);
  assert.equal(defaultMaxActivities(2), 8);
  assert.equal(defaultMaxActivities(8), 32);
  assert.equal(maxActivitiesFromEnv({}, 2), 8);
  assert.equal(maxActivitiesFromEnv({ HAKUBE_MAX_ACTIVITIES: '12' }, 2), 12);
  for (const bad of ['6', '0', '-1', '7.5', 'lots'])
    assert.throws(() => maxActivitiesFromEnv({ HAKUBE_MAX_ACTIVITIES: bad }), WorkerSettingsError, bad);
});
