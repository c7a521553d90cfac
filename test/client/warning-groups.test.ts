import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupWarnings, operationHosts } from '../../client/warning-groups';
import type { OperationProgress } from '../../cluster/progress';

const HOSTS = ['master-1', 'master-2', 'master-3', 'worker-1', 'worker-2'];

test('one line per distinct finding, with its hosts in the order they reported it', () => {
  const warnings = [
    'worker-1: [swap] swap is on',
    'worker-2: [swap] swap is on',
    'master-1: [swap] swap is on',
    'worker-1: [memory] 1.9 GiB of memory, 2 GiB recommended',
    'worker-2: [memory] 1.8 GiB of memory, 2 GiB recommended',
    'worker-2: [swap] swap is on',
  ];
  assert.deepEqual(groupWarnings(warnings, HOSTS), [
    '[swap] swap is on (worker-1, worker-2, master-1)',
    '[memory] 1.9 GiB of memory, 2 GiB recommended (worker-1)',
    '[memory] 1.8 GiB of memory, 2 GiB recommended (worker-2)',
  ]);
});

test('every host of the operation: "all N hosts"; six findings on five hosts are six lines, not thirty', () => {
  const findings = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => `[os] finding ${x}`);
  const warnings = HOSTS.flatMap((h) => findings.map((f) => `${h}: ${f}`));
  assert.equal(warnings.length, 30);
  assert.deepEqual(
    groupWarnings(warnings, HOSTS),
    findings.map((f) => `${f} (all 5 hosts)`),
  );
  // A one-host operation names its host.
  assert.deepEqual(groupWarnings(['worker-3: [swap] swap is on'], ['worker-3']), [
    '[swap] swap is on (worker-3)',
  ]);
});

test('warnings without a host of the operation stay as they are, identical ones once', () => {
  assert.deepEqual(
    groupWarnings(
      [
        'calico: image not ready',
        'kubelet serving certificate: not approved',
        'master-1: [swap] swap is on',
        'calico: image not ready',
        'moved aside on each host as <path>.reset-x: delete them by hand',
      ],
      HOSTS,
    ),
    [
      'calico: image not ready',
      'kubelet serving certificate: not approved',
      '[swap] swap is on (master-1)',
      'moved aside on each host as <path>.reset-x: delete them by hand',
    ],
  );
  // A host prefix and the same text without one are different findings.
  assert.deepEqual(groupWarnings(['x', 'master-1: x'], HOSTS), ['x', 'x (master-1)']);
});

test("an operation's hosts are those its steps ran on", () => {
  const p = {
    phases: [{ steps: [{ host: 'm1' }, { host: 'm2' }, {}] }, { steps: [{ host: 'm2' }, { host: 'w1' }] }],
  } as unknown as OperationProgress;
  assert.deepEqual(operationHosts(p), ['m1', 'm2', 'w1']);
});
