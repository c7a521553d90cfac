// The watch view and the plain change log, from progress snapshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OperationProgress } from '../../cluster/progress';
import { changeLines, formatDuration, isFinished, renderWatch } from '../../client/watch-view';

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
