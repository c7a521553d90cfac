// What the worker does with the replay check's answer, without a server: refuse (naming the
// executions, one log line each), warn and go on when visibility will not answer, skip only when
// told, and read its settings from the environment (the CLI's flags set the same variables).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '@temporalio/worker';
import type { ReplayCheck } from '../../workers/replay-open-executions';
import {
  OpenExecutionsWouldBreakError,
  replayCheckSettingsFromEnv,
  requireOpenExecutionsReplay,
} from '../../workers/start-replay-check';
import { WorkerSettingsError } from '../../workers/settings-error';

type Line = { level: string; msg: string; meta?: Record<string, unknown> };

function recordingLogger(): { log: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (msg: string, meta?: Record<string, unknown>): void => {
      lines.push({ level, msg, meta });
    };
  const log: Logger = {
    log: (level, msg, meta) => at(level)(msg, meta),
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { log, lines };
}

const check = { connection: {} as never, namespace: 'default', taskQueue: 'hakube', source: {} };

const answering = (result: ReplayCheck) => {
  const calls: number[] = [];
  return {
    calls,
    replay: async (opts: { limit?: number }) => {
      calls.push(opts.limit ?? -1);
      return result;
    },
  };
};

test('a broken open execution stops the start: one error line each, and an error naming them', async () => {
  const { log, lines } = recordingLogger();
  const { replay } = answering({
    checked: true,
    replayed: 3,
    moreThanLimit: false,
    elapsedMs: 12,
    broken: [
      {
        workflowId: 'join-c1-n4',
        runId: 'r1',
        workflowType: 'joinNode',
        nondeterminism: true,
        error: '[TMPRL1100] Nondeterminism error: Activity type ... does not match\nsecond line',
      },
    ],
  });
  const err = await requireOpenExecutionsReplay(check, { skip: false, limit: 200 }, log, replay).then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof OpenExecutionsWouldBreakError);
  assert.match(err.message, /cannot replay 1 open execution.*join-c1-n4 \(joinNode, run r1\)/);
  assert.match(err.message, /previous release's worker.*patched\(\).*docs\/versioning\.md/);
  const errors = lines.filter((l) => l.level === 'error');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].meta?.workflowId, 'join-c1-n4');
  assert.equal(errors[0].meta?.error, '[TMPRL1100] Nondeterminism error: Activity type ... does not match');
  assert.ok(!lines.some((l) => l.msg.startsWith('replayed')));
});

test('when visibility will not list, the worker warns and starts', async () => {
  const { log, lines } = recordingLogger();
  const { replay } = answering({ checked: false, reason: '7 PERMISSION_DENIED: no' });
  await requireOpenExecutionsReplay(check, { skip: false, limit: 200 }, log, replay);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].level, 'warn');
  assert.equal(lines[0].meta?.reason, '7 PERMISSION_DENIED: no');
});

test('the limit is passed on, and exceeding it is a warning', async () => {
  const { log, lines } = recordingLogger();
  const { replay, calls } = answering({
    checked: true,
    replayed: 5,
    broken: [],
    moreThanLimit: true,
    elapsedMs: 40,
  });
  await requireOpenExecutionsReplay(check, { skip: false, limit: 5 }, log, replay);
  assert.deepEqual(calls, [5]);
  assert.ok(lines.some((l) => l.level === 'warn' && /more than 5 open executions/.test(l.msg)));
  assert.ok(lines.some((l) => l.level === 'info' && l.msg === 'replayed 5 open executions'));
});

test('skipping replays nothing and says so', async () => {
  const { log, lines } = recordingLogger();
  const { replay, calls } = answering({ checked: false, reason: 'unused' });
  await requireOpenExecutionsReplay(check, { skip: true, limit: 200 }, log, replay);
  assert.deepEqual(calls, []);
  assert.equal(lines[0].level, 'warn');
  assert.match(lines[0].msg, /replay check skipped/);
});

test('settings: on with 200 by default; HAKUBE_SKIP_REPLAY_CHECK=1 skips; a bad limit is refused', () => {
  assert.deepEqual(replayCheckSettingsFromEnv({}), { skip: false, limit: 200 });
  assert.deepEqual(
    replayCheckSettingsFromEnv({ HAKUBE_SKIP_REPLAY_CHECK: '1', HAKUBE_REPLAY_CHECK_LIMIT: '7' }),
    {
      skip: true,
      limit: 7,
    },
  );
  for (const bad of ['0', '-1', '2.5', 'many'])
    assert.throws(() => replayCheckSettingsFromEnv({ HAKUBE_REPLAY_CHECK_LIMIT: bad }), WorkerSettingsError);
});
