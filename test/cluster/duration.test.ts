import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from '../../cluster/duration';

test('durations as typed on the command line', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('30m'), 1_800_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration(' 2d '), 172_800_000);
  assert.equal(parseDuration('250ms'), 250);
  for (const bad of ['', '30', 'm', '1x', '1h 30m', '-5m', '5m!'])
    assert.equal(parseDuration(bad), undefined, bad);
});
