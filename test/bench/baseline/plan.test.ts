import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePlan } from '../../../bench/baseline/plan';
import type { RecordedOp } from '../../../activities/ssh/trace';

test('the plan keeps hakube order, marks what must succeed, and re-targets a CSR approval', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-plan-'));
  try {
    const base = { host: 'master-1', address: '10.0.0.11', port: 22, user: 'root', start: 0, end: 1 };
    const ops: RecordedOp[] = [
      { ...base, seq: 2, kind: 'upload', remotePath: '/etc/x.tmp', contentFile: '2.content' },
      { ...base, seq: 1, kind: 'exec', command: "sha256sum '/etc/x' 2>/dev/null", exitCode: 1 },
      {
        ...base,
        seq: 3,
        kind: 'exec',
        command: '/usr/local/bin/kubectl --kubeconfig=/a certificate approve csr-ab12c',
        exitCode: 0,
      },
      { ...base, seq: 4, kind: 'exec', command: 'kubectl create -f -', stdinFile: '4.stdin', exitCode: 0 },
    ];
    writeFileSync(join(dir, 'ops.jsonl'), ops.map((o) => JSON.stringify(o)).join('\n'));
    const summary = writePlan(dir);
    const plan = readFileSync(join(dir, 'plan.tsv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    assert.deepEqual(
      plan.map((p) => p.slice(0, 4)),
      [
        ['1', 'exec', '10.0.0.11', 'any'],
        ['2', 'upload', '10.0.0.11', 'ok'],
        ['3', 'exec', '10.0.0.11', 'ok'],
        ['4', 'exec', '10.0.0.11', 'ok'],
      ],
    );
    assert.deepEqual(plan[1].slice(4), ['2.content', '/etc/x.tmp']);
    assert.deepEqual(plan[3].slice(4), ['4.cmd', '4.stdin']);
    assert.equal(
      readFileSync(join(dir, '1.cmd'), 'utf8'),
      `exec sh -c 'sha256sum '\\''/etc/x'\\'' 2>/dev/null'`,
    );
    assert.match(readFileSync(join(dir, '3.cmd'), 'utf8'), /kubelet-serving.*certificate approve "\$csr"/);
    assert.equal(summary.rewritten.length, 1);
    assert.equal(summary.mustSucceed, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
