// Long build steps report that they are alive: `<label> still running (<elapsed>)`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatElapsed, run } from '../../activities/bundle/exec';

test('a silent command gets heartbeat lines with the elapsed time; none after it ends', async () => {
  const lines: string[] = [];
  await run('sleep', ['0.35'], {
    heartbeat: { label: 'kubernetes: go build kubelet', onProgress: (l) => lines.push(l), everyMs: 100 },
  });
  assert.ok(lines.length >= 2, lines.join('\n'));
  assert.match(lines[0], /^kubernetes: go build kubelet still running \(\d+s\)$/);
  const count = lines.length;
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(lines.length, count, 'the timer stops with the command');
});

test('elapsed times read like 2m30s', () => {
  assert.equal(formatElapsed(0), '0s');
  assert.equal(formatElapsed(40_000), '40s');
  assert.equal(formatElapsed(150_000), '2m30s');
  assert.equal(formatElapsed(3_723_000), '1h02m03s');
});
