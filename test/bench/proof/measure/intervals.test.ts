import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unionLength, sumLength } from '../../../../bench/proof/measure/intervals';

test('remote time: the union of overlapping operations, clipped to the window', () => {
  const ops = [
    { start: 0, end: 10 },
    { start: 5, end: 15 },
    { start: 20, end: 30 },
    { start: 40, end: 60 },
  ];
  assert.equal(unionLength(ops, 0, 50), 15 + 10 + 10);
  assert.equal(sumLength(ops, 0, 50), 10 + 10 + 10 + 10);
  assert.equal(unionLength([], 0, 10), 0);
});
