import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clusterForJoin,
  joinBatch,
  joinPhaseSkipped,
  joinRequestProblems,
  JOIN_PHASES,
} from '../../../cluster/plan/join';
import {
  removalPlan,
  removalRefusals,
  removePhaseSkipped,
  REMOVE_PHASES,
} from '../../../cluster/plan/remove';
import { renderHaproxyConfig } from '../../../cluster/render/haproxy';
import { renderApiserverUnit } from '../../../cluster/render/control-plane';
import { hostByName } from '../../../cluster/topology';
import { validateClusterSpec } from '../../../cluster/validate';
import type { Cluster } from '../../../cluster/spec';

function grown(): Cluster {
  const r = validateClusterSpec({
    apiVersion: 'hakube.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'grow' },
    spec: {
      ssh: { privateKeyPath: '/k' },
      hosts: [
        ...[1, 2, 3, 4, 5].map((n) => ({
          name: `master-${n}`,
          address: `10.1.1.1${n}`,
          roles: ['control-plane', 'etcd'],
        })),
        ...[1, 2, 3].map((n) => ({ name: `worker-${n}`, address: `10.1.1.10${n}`, roles: ['worker'] })),
      ],
      controlPlaneEndpoint: { mode: 'keepalived', vip: '10.1.1.10', interface: 'eth0' },
    },
  });
  if (!r.cluster) throw new Error(JSON.stringify(r.problems));
  return r.cluster;
}

test('join: control-plane hosts go one at a time (in spec order), workers in parallel', () => {
  const c = grown();
  assert.deepEqual(joinBatch(c, ['worker-3', 'master-5', 'master-4']), {
    serial: ['master-4', 'master-5'],
    parallel: ['worker-3'],
  });
});

test('join: each serial join sees the cluster without the hosts that join after it', () => {
  const c = grown();
  const batch = joinBatch(c, ['master-4', 'master-5', 'worker-3']);
  const forM4 = clusterForJoin(c, batch, 'master-4');
  assert.ok(!forM4.spec.hosts.some((h) => h.name === 'master-5'));
  // So master-4's haproxy and apiserver never name a member that does not exist yet.
  assert.doesNotMatch(renderHaproxyConfig(forM4), /master-5/);
  assert.doesNotMatch(renderApiserverUnit(forM4, hostByName(forM4, 'master-4')), /10\.1\.1\.15:2379/);
  assert.match(renderApiserverUnit(forM4, hostByName(forM4, 'master-4')), /10\.1\.1\.14:2379/);
  assert.equal(clusterForJoin(c, batch, 'master-5').spec.hosts.length, c.spec.hosts.length);
  assert.equal(clusterForJoin(c, batch, 'worker-3'), c);
});

test('join: the phases a worker skips, and the ones a control-plane host runs', () => {
  const c = grown();
  const run = (name: string) =>
    JOIN_PHASES.filter((p) => !joinPhaseSkipped(c, hostByName(c, name), p.name)).map((p) => p.name);
  assert.deepEqual(run('worker-3'), ['preflight', 'os', 'artifacts', 'certs', 'node']);
  assert.deepEqual(run('master-4'), [
    'preflight',
    'os',
    'artifacts',
    'certs',
    'etcd',
    'control-plane',
    'endpoint',
    'apiservers',
    'node',
  ]);
});

test('join: unknown, repeated and first control-plane hosts are refused before anything starts', () => {
  const c = grown();
  assert.deepEqual(joinRequestProblems(c, ['worker-3']), []);
  assert.deepEqual(joinRequestProblems(c, []), ['name at least one node (--node NAME)']);
  assert.deepEqual(joinRequestProblems(c, ['worker-9', 'worker-3', 'worker-3', 'master-1']), [
    'worker-9 is not a host of the spec (add it to spec.hosts first)',
    'worker-3 is named twice',
    'master-1 is the first control-plane host: it is set up by `hakube install`, not joined',
  ]);
});

test('remove: the first control-plane host and unknown hosts are refused; phases follow the roles', () => {
  const c = grown();
  assert.match(removalRefusals(c, 'master-1').join(), /keeps the CA keys/);
  assert.match(removalRefusals(c, 'nope').join(), /not a host of the spec/);
  assert.deepEqual(removalRefusals(c, 'master-5'), []);
  const run = (name: string) =>
    REMOVE_PHASES.filter((p) => !removePhaseSkipped(c, hostByName(c, name), p.name)).map((p) => p.name);
  assert.deepEqual(run('worker-2'), ['check', 'approval', 'drain', 'host', 'hosts-file']);
  assert.deepEqual(
    run('master-5'),
    REMOVE_PHASES.map((p) => p.name),
  );
});

test('remove: the plan a person approves names every change, in order, and where the data goes', () => {
  const c = grown();
  const plan = removalPlan(c, hostByName(c, 'master-5'), '20261123T120000Z', 300);
  assert.match(plan[0], /cordon and drain master-5 \(at most 300 s/);
  assert.match(plan[1], /haproxy and keepalived on master-1, master-2, master-3, master-4 without master-5/);
  assert.ok(plan.some((l) => /etcdctl member remove master-5/.test(l)));
  assert.ok(plan.some((l) => /\.reset-20261123T120000Z \(nothing is deleted\)/.test(l)));
});

test('remove --host-down: nothing planned on the host; drain and its control plane left out; reset said for later', () => {
  const c = grown();
  const skipped = (name: string) =>
    REMOVE_PHASES.filter((p) => removePhaseSkipped(c, hostByName(c, name), p.name, true)).map((p) => p.name);
  assert.deepEqual(skipped('worker-2'), ['drain', 'endpoint', 'control-plane', 'etcd', 'apiservers']);
  assert.deepEqual(skipped('master-5'), ['drain', 'control-plane']);
  assert.match(removePhaseSkipped(c, hostByName(c, 'worker-2'), 'drain', true) ?? '', /host is down/);
  const plan = removalPlan(c, hostByName(c, 'master-5'), '20261123T120000Z', 300, true);
  assert.match(plan[0], /master-5 is down: nothing is run on it/);
  assert.ok(plan.some((l) => /etcdctl member remove master-5 through the other members/.test(l)));
  assert.ok(!plan.some((l) => /cordon|\.reset-/.test(l)), plan.join('\n'));
  assert.match(
    plan.at(-1) ?? '',
    /hakube reset -f <a spec that still lists it> --node master-5.*claim the VIP/,
  );
});
