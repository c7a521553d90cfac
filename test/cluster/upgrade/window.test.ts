// The maintenance window of an upgrade's worker waves: parsing and when the next wave may start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeWindow, msUntilWindow, parseWindow } from '../../../cluster/upgrade/window';

const at = (iso: string) => new Date(iso);
const minutes = (ms: number) => ms / 60_000;

test('a daily window: 0 inside, the time to its opening outside', () => {
  const w = parseWindow('02:00-06:00');
  assert.equal(msUntilWindow(w, at('2026-12-05T03:00:00Z')), 0);
  assert.equal(minutes(msUntilWindow(w, at('2026-12-05T01:30:00Z'))), 30);
  // After today's window: tomorrow at 02:00.
  assert.equal(minutes(msUntilWindow(w, at('2026-12-05T06:00:00Z'))), 20 * 60);
  assert.equal(describeWindow(w), 'daily 02:00-06:00 UTC');
});

test('a window crossing midnight is open until it closes the next day', () => {
  const w = parseWindow('22:00-04:00');
  assert.equal(msUntilWindow(w, at('2026-12-05T23:00:00Z')), 0);
  assert.equal(msUntilWindow(w, at('2026-12-06T03:59:00Z')), 0);
  assert.equal(minutes(msUntilWindow(w, at('2026-12-06T04:00:00Z'))), 18 * 60);
});

test('a window on named days waits for the next of those days', () => {
  // 2026-12-02 is a Wednesday; the next Saturday is 2026-12-05.
  const w = parseWindow('Sat,Sun 02:00-06:00');
  assert.deepEqual(w.days, [0, 6]);
  assert.equal(
    msUntilWindow(w, at('2026-12-02T12:00:00Z')),
    at('2026-12-05T02:00:00Z').getTime() - at('2026-12-02T12:00:00Z').getTime(),
  );
  assert.equal(msUntilWindow(w, at('2026-12-06T05:00:00Z')), 0);
  // A Saturday night window crossing midnight is still open early on Sunday, though it is not Sunday's.
  assert.equal(msUntilWindow(parseWindow('sat 23:00-01:00'), at('2026-12-06T00:30:00Z')), 0);
  assert.equal(describeWindow(w), 'Sun,Sat 02:00-06:00 UTC');
});

test('malformed windows are refused, saying what is wrong', () => {
  assert.throws(() => parseWindow(''), /expected "HH:MM-HH:MM"/);
  assert.throws(() => parseWindow('2:00-06:00'), /time range/);
  assert.throws(() => parseWindow('02:00-24:00'), /time range/);
  assert.throws(() => parseWindow('02:00-02:00'), /same time/);
  assert.throws(() => parseWindow('Funday 02:00-03:00'), /unknown day "Funday"/);
  assert.throws(() => parseWindow('02:00-03:00-04:00'), /time range/);
  assert.throws(() => parseWindow('Sat 02:00-03:00 extra'), /expected/);
});
