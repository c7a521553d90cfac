import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cronProblem } from '../../cluster/cron';

test('valid cron expressions', () => {
  for (const ok of [
    '* * * * *',
    '0 */6 * * *',
    '15,45 1-5 1 jan-mar mon-fri',
    '@daily',
    '0 0 * * 7',
    '*/5 * * * *',
  ]) {
    assert.equal(cronProblem(ok), undefined, ok);
  }
});

test('invalid cron expressions say what is wrong', () => {
  assert.match(cronProblem('0 */6 * *') ?? '', /5 fields/);
  assert.match(cronProblem('61 * * * *') ?? '', /minute "61"/);
  assert.match(cronProblem('0 25 * * *') ?? '', /hour/);
  assert.match(cronProblem('0 0 0 * *') ?? '', /day of month/);
  assert.match(cronProblem('*/0 * * * *') ?? '', /step/);
  assert.match(cronProblem('0 5-1 * * *') ?? '', /backwards/);
  assert.match(cronProblem('@sometimes') ?? '', /unknown macro/);
});
