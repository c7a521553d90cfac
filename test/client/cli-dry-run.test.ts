// `--dry-run` of every operation that changes hosts prints its phases (the declarations its
// workflow runs) and what a person would approve, and connects nowhere: the CLI here points at a
// Temporal address where nothing listens, so a command that connected would fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleSpecHome, runCli } from '../helpers/cli';
import { REMOVE_PHASES } from '../../cluster/plan/remove';
import { RESET_PHASES } from '../../cluster/plan/reset';
import {
  ROTATE_CA_PHASES,
  ROTATE_ENCRYPTION_KEY_PHASES,
  ROTATE_PHASES,
} from '../../cluster/plan/certificates';
import { ADD_NODES_PHASES, JOIN_PHASES } from '../../cluster/plan/join';
import { ROLLBACK_PHASES } from '../../cluster/plan/restore';
import { UPGRADE_PHASES } from '../../cluster/plan/upgrade';

const home = exampleSpecHome();

async function dryRun(...args: string[]): Promise<string> {
  const r = await runCli([...args, '-f', home.spec(), '--dry-run'], home.env());
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\(dry run: nothing is changed\)/);
  return r.stdout;
}

const phaseLines = (phases: readonly { name: string }[]) =>
  phases.map((p, i) => new RegExp(`^${i + 1}\\. .* \\[${p.name}\\]`, 'm'));

test('reset --dry-run: its phases and, per host, what stops and what moves aside', async () => {
  const out = await dryRun('reset', '--node', 'worker-2');
  for (const re of phaseLines(RESET_PHASES)) assert.match(out, re);
  assert.match(out, /what a person approves:\n {2}reset prod-eu1: worker-2;/);
  assert.match(out, /worker-2 \[worker\]: stop kubelet, kube-proxy/);
  assert.match(out, /not reset \(keep running\): master-1/);
});

test('node remove --dry-run: the phases that apply to a worker, and the plan to approve', async () => {
  const out = await dryRun('node', 'remove', '--node', 'worker-2');
  for (const re of phaseLines(REMOVE_PHASES)) assert.match(out, re);
  assert.match(out, /\[etcd\] — skipped \(not an etcd host\)/);
  assert.match(out, /cordon and drain worker-2 \(at most 300 s/);
});

test('node add --dry-run: its phases, and the phases of each join', async () => {
  const out = await dryRun('node', 'add', '--node', 'worker-2', '--node', 'master-3');
  for (const re of phaseLines(ADD_NODES_PHASES)) assert.match(out, re);
  assert.match(out, /join master-3:\n {2}1\. .*\[preflight\]/);
  assert.match(out, /join worker-2:[^]*\[etcd\] — skipped \(not an etcd host\)/);
  assert.equal(out.match(/\[apiservers\]/g)?.length, 2, 'each join lists its apiservers phase');
  assert.ok(JOIN_PHASES.length > 0);
});

test('certs rotate, rotate-ca and rotate-encryption-key --dry-run print their phases', async () => {
  const rotate = await dryRun('certs', 'rotate');
  for (const re of phaseLines(ROTATE_PHASES)) assert.match(rotate, re);
  assert.match(rotate, /note: which certificates are renewed is decided by the check phase/);
  const ca = await dryRun('certs', 'rotate-ca', '--ca', 'etcd');
  for (const re of phaseLines(ROTATE_CA_PHASES)) assert.match(ca, re);
  assert.match(ca, /what a person approves:/);
  const key = await dryRun('certs', 'rotate-encryption-key');
  for (const re of phaseLines(ROTATE_ENCRYPTION_KEY_PHASES)) assert.match(key, re);
  assert.match(key, /every Secret read and written back with the new key/);
});

test('--dry-run --json gives the plan as data', async () => {
  const r = await runCli(['reset', '-f', home.spec(), '--dry-run', '--json'], home.env());
  assert.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout) as { dryRun: boolean; plan: { name: string }[]; approval: string[] };
  assert.equal(plan.dryRun, true);
  assert.deepEqual(
    plan.plan.map((p) => p.name),
    RESET_PHASES.map((p) => p.name),
  );
  assert.ok(plan.approval.length > 2);
});

test('restore --rollback --dry-run prints the phases of the rollback', async () => {
  const out = await dryRun('restore', '--rollback', 'restore-prod-eu1');
  for (const re of phaseLines(ROLLBACK_PHASES)) assert.match(out, re);
});

test('upgrade --dry-run: its phases, every host in order, the waves and the plan to approve', async () => {
  const out = await dryRun(
    'upgrade',
    '--to',
    'v1.37.2',
    '--wave',
    '2',
    '--approve-waves',
    '--window',
    'Sat,Sun 02:00-06:00',
  );
  for (const re of phaseLines(UPGRADE_PHASES)) assert.match(out, re);
  // Control-plane hosts one after another, each with its gates; then the workers' wave.
  assert.ok(out.indexOf('control-plane/endpoint/master-1') < out.indexOf('control-plane/keep/master-2'));
  assert.match(out, /workers\/window\/1 {2}wait for the maintenance window\n {5}workers\/approval\/1/);
  assert.match(out, /workers in 1 wave of at most 2: worker-1\+worker-2/);
  assert.match(out, /waves start only inside Sun,Sat 02:00-06:00 UTC/);
  assert.match(out, /hakube reject --roll-back/);
});

test('upgrade refuses a target that is no release version, a bad window or wave, before connecting', async () => {
  for (const [args, message] of [
    [['--to', '1.37'], /--to: expected a release version/],
    [['--to', 'v1.37.2', '--window', '25:00-26:00'], /--window: .*time range/],
    [['--to', 'v1.37.2', '--wave', '0'], /--wave: expected a positive whole number/],
    [['--to', 'v1.37.2', '--skip-phases', 'etcd'], /--skip-phases: unknown phase\(s\) etcd/],
  ] as const) {
    const r = await runCli(['upgrade', ...args, '-f', home.spec(), '--dry-run'], home.env());
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, message);
  }
});

test('node remove --host-down --dry-run: drain and its control plane left out, nothing planned on the host', async () => {
  const out = await dryRun('node', 'remove', '--node', 'master-3', '--host-down');
  assert.match(out, /\[drain\] — skipped \(the host is down: its pods are deleted with its Node\)/);
  assert.match(out, /\[control-plane\] — skipped \(the host is down/);
  assert.match(out, /master-3 is down: nothing is run on it/);
});
