import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { shellQuote } from '../../cluster/shell';

test('shellQuote: a real sh reads back exactly the word, whatever it holds', () => {
  const words = [
    'plain',
    'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
    "it's",
    '$(id) `x` ; |',
    '',
  ];
  for (const w of words) {
    const out = execFileSync('sh', ['-c', `printf %s ${shellQuote(w)}`]).toString();
    assert.equal(out, w);
  }
  assert.equal(shellQuote('master-1'), 'master-1');
});
