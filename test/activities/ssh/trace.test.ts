import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  redactCommand,
  traceOperation,
  type RecordedOp,
  type TraceLine,
} from '../../../activities/ssh/trace';
import type { SshTarget } from '../../../activities/ssh';

const target: SshTarget = {
  name: 'master-1',
  address: '10.0.0.11',
  port: 22,
  user: 'root',
  privateKeyPath: '/nonexistent',
  knownHostsPath: '/nonexistent',
  hostKeyPolicy: 'strict',
};

test('redactCommand hides keys, tokens, credentials and long base64; keeps paths; cuts at 120', () => {
  const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString()
    .trim();
  assert.equal(redactCommand(`printf '%s' '${pem}' > /x`), "printf '%s' '<pem>' > /x");
  assert.equal(
    redactCommand('curl -H "Authorization: Bearer abc123.0123456789abcdef"'),
    'curl -H "Authorization: Bearer <token>"',
  );
  assert.equal(redactCommand('s3 --password=hunter2 x'), 's3 --password=<redacted> x');
  assert.equal(redactCommand(`echo ${'QUJD'.repeat(20)} | base64 -d`), 'echo <redacted> | base64 -d');
  const path = '/var/cache/hakube/bundles/v1-amd64/kubernetes/server/bin/kube-apiserver-with-a-long-name';
  assert.equal(redactCommand(`sha256sum ${path}`), `sha256sum ${path}`);
  assert.equal(redactCommand('echo hi; '.repeat(40)).length, 120);
});

test('traceOperation is a no-op without the environment variables', () => {
  delete process.env.HAKUBE_SSH_TRACE;
  delete process.env.HAKUBE_SSH_RECORD;
  const op = traceOperation(target, 'exec', { command: 'true', fullCommand: 'true' });
  op.end({ exitCode: 0 });
});

test('the trace has the redacted command and no stdin; the recording has both, in a 0700 folder only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-trace-'));
  try {
    const record = join(dir, 'rec');
    mkdirSync(record, { mode: 0o755 });
    process.env.HAKUBE_SSH_RECORD = record;
    assert.throws(() => traceOperation(target, 'exec', { command: 'true' }), /mode 0700/);
    rmSync(record, { recursive: true });
    mkdirSync(record, { mode: 0o700 });
    process.env.HAKUBE_SSH_TRACE = join(dir, 'trace.jsonl');
    const stdin = 'token-secret: 0123456789abcdef';
    const op = traceOperation(target, 'exec', {
      command: 'kubectl create -f -',
      fullCommand: "export A='1'; kubectl create -f -",
      stdin,
    });
    op.end({ exitCode: 0 });
    traceOperation(target, 'upload', { remotePath: '/etc/x.key', content: Buffer.from('KEY') }).fail(
      new Error('gone'),
    );
    const trace = readFileSync(join(dir, 'trace.jsonl'), 'utf8');
    assert.doesNotMatch(trace, /0123456789abcdef|KEY'/);
    const lines = trace
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TraceLine);
    assert.deepEqual(
      lines.map((l) => [l.host, l.kind, l.command, l.exitCode, l.bytes, l.error]),
      [
        ['master-1', 'exec', 'kubectl create -f -', 0, undefined, undefined],
        ['master-1', 'upload', '/etc/x.key', undefined, 3, 'Error'],
      ],
    );
    const ops = readFileSync(join(record, 'ops.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RecordedOp);
    assert.equal(ops[0].command, "export A='1'; kubectl create -f -");
    assert.equal(readFileSync(join(record, ops[0].stdinFile as string), 'utf8'), stdin);
    assert.equal(readFileSync(join(record, ops[1].contentFile as string), 'utf8'), 'KEY');
  } finally {
    delete process.env.HAKUBE_SSH_TRACE;
    delete process.env.HAKUBE_SSH_RECORD;
    rmSync(dir, { recursive: true, force: true });
  }
});
