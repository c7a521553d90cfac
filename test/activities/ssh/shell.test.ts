import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { shq, withEnv } from '../../../activities/ssh/shell';

test('shq: a real sh reads back exactly the word, whatever it holds', () => {
  const words = [
    'plain',
    'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
    "it's",
    '$(id) `x` ; |',
    '',
  ];
  for (const w of words) assert.equal(execFileSync('sh', ['-c', `printf %s ${shq(w)}`]).toString(), w);
});

test('withEnv exports quoted values and refuses bad names', () => {
  assert.equal(execFileSync('sh', ['-c', withEnv('printf %s "$A"', { A: "x'y $z" })]).toString(), "x'y $z");
  assert.throws(() => withEnv('true', { 'A;B': '1' }), /bad environment variable name/);
});
