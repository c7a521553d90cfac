// The activity interceptor: every attempt's duration and outcome, and attempts after the first
// counted as retries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Context } from '@temporalio/activity';
import { Headers } from '@temporalio/common';
import { activityMetricsInterceptor } from '../../../workers/metrics/activity-interceptor';

function attempt(activityType: string, n: number, signal = new AbortController().signal): Context {
  return { info: { activityType, attempt: n }, cancellationSignal: signal } as unknown as Context;
}

function recorder() {
  const finished: [string, string][] = [];
  const retried: string[] = [];
  return {
    finished,
    retried,
    factory: activityMetricsInterceptor({
      stepFinished: (type, outcome, seconds) => {
        assert.ok(seconds >= 0 && seconds < 5, `${seconds}`);
        finished.push([type, outcome]);
      },
      stepRetried: (type) => void retried.push(type),
    }),
  };
}

const input = { args: [], headers: {} as Headers };

test('a first attempt that succeeds is one completed step and no retry', async () => {
  const r = recorder();
  const out = await r.factory(attempt('prepareOs', 1)).inbound?.execute?.(input, async () => 'done');
  assert.equal(out, 'done');
  assert.deepEqual(r.finished, [['prepareOs', 'completed']]);
  assert.deepEqual(r.retried, []);
});

test('a third attempt is a retry; its failure is rethrown untouched and counted as failed', async () => {
  const r = recorder();
  const boom = new Error('apt lock');
  await assert.rejects(
    r.factory(attempt('prepareOs', 3)).inbound?.execute?.(input, async () => Promise.reject(boom)) ??
      Promise.resolve(),
    (e: unknown) => e === boom,
  );
  assert.deepEqual(r.finished, [['prepareOs', 'failed']]);
  assert.deepEqual(r.retried, ['prepareOs']);
});

test('an attempt ended by cancellation is cancelled, whatever it threw', async () => {
  const r = recorder();
  const abort = new AbortController();
  abort.abort();
  await assert.rejects(
    r
      .factory(attempt('ensureBinaries', 1, abort.signal))
      .inbound?.execute?.(input, async () => Promise.reject(new Error('sftp: closed'))) ?? Promise.resolve(),
  );
  assert.deepEqual(r.finished, [['ensureBinaries', 'cancelled']]);
});
