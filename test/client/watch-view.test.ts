// The watch view and the plain change log, from progress snapshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OperationProgress } from '../../cluster/progress';
import {
  approvalLines,
  changeLines,
  countRetries,
  formatDuration,
  isFinished,
  renderWatch,
  summaryLines,
} from '../../client/watch-view';

const T0 = '2026-11-23T10:00:00.000Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

function snapshot(etcdMember3: 'running' | 'done'): OperationProgress {
  return {
    operation: 'install',
    cluster: 'prod',
    status: 'running',
    phase: 'etcd',
    phases: [
      {
        name: 'certs',
        title: 'Certificates and kubeconfigs',
        status: 'done',
        startedAt: T0,
        endedAt: at(12),
        steps: [
          {
            key: 'certs/authorities',
            title: 'CAs',
            host: 'm1',
            status: 'done',
            startedAt: T0,
            endedAt: at(12),
          },
        ],
      },
      {
        name: 'etcd',
        title: 'etcd cluster',
        status: 'running',
        startedAt: at(12),
        steps: [
          {
            key: 'etcd/start-member/m1',
            title: 'start',
            host: 'm1',
            status: 'done',
            startedAt: at(12),
            endedAt: at(20),
          },
          {
            key: 'etcd/start-member/m2',
            title: 'start',
            host: 'm2',
            status: 'done',
            startedAt: at(12),
            endedAt: at(21),
          },
          {
            key: 'etcd/start-member/m3',
            title: 'start',
            host: 'm3',
            status: etcdMember3,
            startedAt: at(12),
            ...(etcdMember3 === 'done' ? { endedAt: at(40) } : {}),
          },
        ],
      },
      { name: 'nodes', title: 'Nodes', status: 'pending', steps: [] },
    ],
    decisions: [],
    warnings: [],
  };
}

test('durations read like a person would write them', () => {
  assert.deepEqual(
    [formatDuration(4_000), formatDuration(125_000), formatDuration(3_725_000)],
    ['4s', '2m05s', '1h02m'],
  );
});

test('the live view: a line per phase with a bar, running steps with their host and time, retries', () => {
  const lines = renderWatch(
    snapshot('running'),
    [{ activity: 'ensureEtcdMember', attempt: 4, lastFailure: 'connect ECONNREFUSED 10.0.0.13:22' }],
    new Date(at(30)),
  );
  assert.equal(lines[0], 'install prod: running (phase etcd)  30s');
  assert.match(lines[1], /^✔ Certificates and kubeconfigs\s+\[#{16}\] 1\/1 {2}12s$/);
  assert.match(lines[2], /^⠋ etcd cluster\s+\[#{11}-{5}\] 2\/3 {2}18s$/);
  assert.equal(lines[3], '    ⠋ etcd/start-member/m3 @m3  18s');
  assert.match(lines[4], /^· Nodes/);
  assert.equal(lines[5], '  retrying ensureEtcdMember (attempt 4): connect ECONNREFUSED 10.0.0.13:22');
});

test('an approval wait is said first, with its plan', () => {
  const p = {
    ...snapshot('running'),
    status: 'waiting-for-approval' as const,
    waiting: { question: 'Restore etcd?', plan: ['stop apiservers'], since: T0, deadline: at(3600) },
  };
  const lines = renderWatch(p, [], new Date(at(30)));
  assert.match(lines[1], /^WAITING FOR APPROVAL: Restore etcd\?/);
  assert.equal(lines[2], '  plan: stop apiservers');
  assert.equal(isFinished(p), false);
});

test('a wait that offers roll-back says how to choose it', () => {
  const waiting = {
    question: 'The gate on worker-2 failed. Continue?',
    plan: ['worker-2: node not Ready'],
    since: T0,
    deadline: at(3600),
  };
  const offered = approvalLines(
    { ...snapshot('running'), waiting: { ...waiting, choices: ['roll-back'] } },
    'upgrade-prod',
  );
  assert.equal(
    offered.at(-1),
    '   or: hakube reject upgrade-prod --roll-back --reason "..."   (also undo what it did so far)',
  );
  const plain = approvalLines({ ...snapshot('running'), waiting }, 'upgrade-prod');
  assert.ok(!plain.some((l) => l.includes('--roll-back')));
});

test('plain lines: only what changed, each once', () => {
  const first = changeLines(undefined, snapshot('running'), [], [], new Date(at(30)));
  assert.ok(first.some((l) => l.endsWith('install prod: running')));
  assert.ok(first.some((l) => l.endsWith('phase etcd: running')));
  assert.ok(first.some((l) => l.endsWith('  etcd/start-member/m3 @m3: started')));
  const next = changeLines(
    snapshot('running'),
    snapshot('done'),
    [],
    [{ activity: 'checkEtcdHealth', attempt: 2, lastFailure: 'unhealthy' }],
    new Date(at(40)),
  );
  assert.deepEqual(next, [
    '10:00:40   etcd/start-member/m3 @m3: done (28s)',
    '10:00:40   retrying checkEtcdHealth (attempt 2): unhealthy',
  ]);
  assert.deepEqual(changeLines(snapshot('done'), snapshot('done'), [], [], new Date(at(41))), []);
});

test('phase lines fit an 80-column terminal, long titles shortened', () => {
  const p = snapshot('running');
  p.phases[2] = {
    ...p.phases[1],
    title: 'Nodes (containerd, kubelet, kube-proxy) and more words',
    startedAt: T0,
  };
  for (const line of renderWatch(p, [], new Date(at(3725))).slice(1, 5)) assert.ok(line.length <= 80, line);
});

test('a waiting operation says what to run; running steps show their latest remote output', () => {
  const p: OperationProgress = {
    ...snapshot('running'),
    status: 'waiting-for-approval',
    waiting: { question: 'Restore etcd?', plan: ['stop etcd'], since: at(1), deadline: at(1800) },
  };
  const pending = [
    {
      activity: 'restoreEtcdMember',
      attempt: 1,
      details: { step: 'etcdutl snapshot restore', output: 'restored snapshot' },
    },
    { activity: 'ensureBinaries', attempt: 1, details: { file: 'bin/kubelet', done: 2, of: 14 } },
    { activity: 'checkEtcdHealth', attempt: 1 },
  ];
  const lines = renderWatch(p, pending, new Date(at(30)), 0, 'restore-prod');
  assert.ok(
    lines.includes('  run: hakube approve restore-prod   or   hakube reject restore-prod --reason "..."'),
  );
  assert.ok(lines.includes('  etcdutl snapshot restore > restored snapshot'), lines.join('\n'));
  assert.ok(lines.includes('  ensureBinaries file 3/14: bin/kubelet'), lines.join('\n'));
  // The plain log prints a new output line once.
  const once = changeLines(p, p, [], pending, new Date(at(31)), 'restore-prod');
  assert.deepEqual(
    once.filter((l) => l.includes('>')),
    ['10:00:31   etcdutl snapshot restore > restored snapshot'],
  );
  assert.deepEqual(
    changeLines(p, p, pending, pending, new Date(at(32))).filter((l) => l.includes('>')),
    [],
  );
});

test('the summary: total and per-phase time, retries seen, decisions and warnings', () => {
  const retries = new Map<string, number>();
  countRetries(retries, [{ activity: 'checkEtcdHealth', attempt: 3 }]);
  countRetries(retries, [
    { activity: 'checkEtcdHealth', attempt: 2 },
    { activity: 'prepareOs', attempt: 2 },
  ]);
  const p: OperationProgress = {
    ...snapshot('done'),
    status: 'completed',
    decisions: [{ approved: true, by: 'ops', reason: 'incident 42', at: at(5) }],
    warnings: ['cgroup controllers are read-only'],
  };
  p.phases[1] = { ...p.phases[1], status: 'done', endedAt: at(40) };
  p.phases[2] = { ...p.phases[2], status: 'skipped' };
  assert.deepEqual(summaryLines(p, retries, new Date(at(45))), [
    'summary: install prod completed in 40s',
    '  phases: certs 12s, etcd 28s',
    '  skipped: nodes',
    '  retries: 3 (checkEtcdHealth ×2, prepareOs ×1)',
    '  approved by ops: incident 42',
    '  warning: cgroup controllers are read-only',
  ]);
  assert.ok(summaryLines(snapshot('running'), new Map(), new Date(at(45))).includes('  retries: none'));
});

test("an operation's end is its last line: after the last phase's end and its warnings", () => {
  const running = snapshot('done');
  const completed: OperationProgress = {
    ...running,
    status: 'completed',
    phase: undefined,
    warnings: ['m1: [swap] swap is on', 'm2: [swap] swap is on', 'm3: [swap] swap is on'],
  };
  completed.phases = running.phases.map((ph) =>
    ph.name === 'etcd' ? { ...ph, status: 'done', endedAt: at(40) } : ph,
  );
  const lines = changeLines(running, completed, [], [], new Date(at(41)), undefined, { shown: 0 });
  assert.deepEqual(lines, [
    '10:00:41 phase etcd: done (28s)',
    '10:00:41   warning: [swap] swap is on (all 3 hosts)',
    '10:00:41 install prod: completed',
  ]);
});

test('in a log, warnings of hosts reporting one by one wait for their phase to end and come as one line', () => {
  const cursor = { shown: 0 };
  const first = { ...snapshot('running'), warnings: ['m1: [os] no chrony'] };
  const second = { ...snapshot('running'), warnings: ['m1: [os] no chrony', 'm2: [os] no chrony'] };
  assert.deepEqual(
    changeLines(undefined, first, [], [], new Date(at(30)), undefined, cursor).filter((l) =>
      l.includes('warning'),
    ),
    [
      // The first snapshot of a watch starts the etcd phase: what was reported until then is shown.
      '10:00:30   warning: [os] no chrony (m1)',
    ],
  );
  assert.deepEqual(changeLines(first, second, [], [], new Date(at(31)), undefined, cursor), []);
  const ended = { ...second, phase: 'nodes', warnings: [...second.warnings, 'm3: [os] no chrony'] };
  ended.phases = second.phases.map((ph) =>
    ph.name === 'etcd'
      ? { ...ph, status: 'done' as const, endedAt: at(40) }
      : ph.name === 'nodes'
        ? { ...ph, status: 'running' as const, startedAt: at(40) }
        : ph,
  );
  assert.deepEqual(
    changeLines(second, ended, [], [], new Date(at(41)), undefined, cursor).filter((l) =>
      l.includes('warning'),
    ),
    ['10:00:41   warning: [os] no chrony (m2, m3)'],
  );
  assert.equal(cursor.shown, 3);
});
