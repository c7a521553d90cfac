// The phase model every operation shares: selection by --only/--skip-phases, rules that leave a
// phase out, the plan a dry run prints, and the install's plan built from the step descriptors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deselected,
  formatPlan,
  planPhases,
  plannedStepKeys,
  skipReason,
  unknownPhases,
  type PhaseDecl,
} from '../../../cluster/plan/phases';
import { installPlan } from '../../../cluster/plan/install';
import { pkiCluster } from '../../helpers/pki-cluster';

interface P {
  hosts: string[];
  external?: boolean;
}

const PHASES: PhaseDecl<P>[] = [
  {
    name: 'check',
    title: 'Check',
    steps: ({ hosts }) => hosts.map((h) => ({ key: `check/${h}`, title: 'look', host: h })),
  },
  { name: 'approval', title: 'Wait for approval', approval: true },
  {
    name: 'endpoint',
    title: 'Endpoint',
    notApplicable: (p) => (p.external ? 'external load balancer' : undefined),
  },
];

test('--only and --skip-phases leave phases out by name; --only wins', () => {
  assert.equal(deselected('check', { onlyPhases: ['endpoint'] }), 'not in --only');
  assert.equal(deselected('check', { skipPhases: ['check'] }), 'in --skip-phases');
  assert.equal(deselected('check', { onlyPhases: ['check'], skipPhases: ['endpoint'] }), undefined);
  assert.equal(deselected('check'), undefined);
});

test("a person's choice is told apart from a rule that does not apply", () => {
  const endpoint = PHASES[2];
  assert.deepEqual(skipReason(endpoint, { hosts: [], external: true }), {
    reason: 'external load balancer',
    chosen: false,
  });
  assert.deepEqual(skipReason(endpoint, { hosts: [], external: true }, { skipPhases: ['endpoint'] }), {
    reason: 'in --skip-phases',
    chosen: true,
  });
  assert.equal(skipReason(endpoint, { hosts: [] }), undefined);
});

test('the plan lists every phase in order, its steps, and why a phase is skipped', () => {
  const plan = planPhases(PHASES, { hosts: ['a', 'b'], external: true });
  assert.deepEqual(
    plan.map((p) => [p.name, p.skipped ?? '', p.steps?.map((s) => s.key) ?? null]),
    [
      ['check', '', ['check/a', 'check/b']],
      ['approval', '', null],
      ['endpoint', 'external load balancer', []],
    ],
  );
  assert.deepEqual(plannedStepKeys(plan), ['check/a', 'check/b']);
  assert.deepEqual(formatPlan(plan), [
    '1. Check [check]',
    '     check/a  look',
    '     check/b  look',
    '2. Wait for approval [approval]',
    '     waits for a person to approve (hakube approve), or --yes',
    '3. Endpoint [endpoint] — skipped (external load balancer)',
  ]);
});

test('names that are no phase are found before anything starts', () => {
  assert.deepEqual(unknownPhases(PHASES, ['check', 'etcd', 'nodes']), ['etcd', 'nodes']);
});

test("the install plan names every host's steps once, from the shared descriptors", () => {
  const c = pkiCluster();
  const keys = plannedStepKeys(installPlan(c));
  assert.equal(new Set(keys).size, keys.length, 'a step key is planned twice');
  for (const h of c.spec.hosts) assert.ok(keys.includes(`os/prepare/${h.name}`), h.name);
  assert.deepEqual(
    keys.filter((k) => k.startsWith('etcd/')),
    [
      'etcd/formed',
      'etcd/start-member/master-1',
      'etcd/start-member/master-2',
      'etcd/start-member/master-3',
      'etcd/health',
    ],
  );
  assert.deepEqual(
    keys.filter((k) => k.startsWith('nodes/')),
    [
      'nodes/join/master-1',
      'nodes/join/master-2',
      'nodes/join/master-3',
      'nodes/join/worker-1',
      'nodes/registered',
    ],
  );
  const external = {
    ...c,
    spec: {
      ...c.spec,
      controlPlaneEndpoint: {
        mode: 'external' as const,
        address: '10.1.1.10',
        port: 6443,
        apiserverPort: 6443,
      },
    },
  };
  assert.equal(installPlan(external).find((p) => p.name === 'endpoint')?.skipped, 'external load balancer');
});
