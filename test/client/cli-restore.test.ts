// `hakube restore` refuses bad input before anything starts (exit 2, nothing connected to).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { makeTempHome, REPO_ROOT } from '../helpers/temp-home';
import { metadataSigner } from '../../activities/backup/metadata-signature';

let home = '';
let spec = '';
let backups = '';
before(() => {
  home = makeTempHome();
  backups = join(home, 'backups');
  mkdirSync(backups);
  const example = readFileSync(join(REPO_ROOT, 'examples', 'cluster.yaml'), 'utf8');
  spec = join(home, 'cluster.yaml');
  writeFileSync(spec, example.replace('/var/backups/hakube/prod-eu1', backups));
  // Signed with the key the CLI finds under HAKUBE_HOME, as the worker on this machine would.
  const meta = metadataSigner(join(home, '.hakube', 'backup-signing.key')).sign({
    id: 'etcd-prod-eu1-20261123T100000Z-r42-0a1b2c3d',
    cluster: 'prod-eu1',
    member: 'master-2',
    revision: 42,
    totalKeys: 10,
    sizeBytes: 1000,
    sha256: 'a'.repeat(64),
    etcdHash: 1,
    etcdVersion: '3.7.3',
    takenAt: '2026-11-23T10:00:00.000Z',
  });
  writeFileSync(join(backups, `${meta.id}.json`), JSON.stringify(meta));
  // Planted: the same metadata under another id, its revision changed, the signature kept.
  const planted = { ...meta, id: 'etcd-prod-eu1-20261124T100000Z-r43-0a1b2c3d', revision: 43 };
  writeFileSync(join(backups, `${planted.id}.json`), JSON.stringify(planted));
});
after(() => rmSync(home, { recursive: true, force: true }));

// No server runs here: each of these must be refused before the CLI connects to one.
const env = () => ({ HOME: home, HAKUBE_HOME: join(home, '.hakube'), TEMPORAL_ADDRESS: '127.0.0.1:1' });

test('restore needs exactly one of --snapshot and --rollback', async () => {
  for (const args of [[], ['--snapshot', 'a', '--rollback', 'restore-prod-eu1']]) {
    const r = await runCli(['restore', '-f', spec, ...args], env());
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /exactly one of --snapshot, --rollback/);
  }
});

test('an unknown snapshot id is refused, naming the snapshots there are', async () => {
  const absent = 'etcd-prod-eu1-20261125T100000Z-r44-0a1b2c3d';
  const r = await runCli(['restore', '-f', spec, '--snapshot', absent], env());
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `no verified snapshot ${absent} at .*backups; newest: etcd-prod-eu1-20261123T100000Z-r42-0a1b2c3d$`,
      'm',
    ),
  );
});

test('what is not a snapshot id, and planted metadata, are refused before anything connects', async () => {
  const notId = await runCli(['restore', '-f', spec, '--snapshot', 'x;id'], env());
  assert.equal(notId.code, 2, notId.stdout + notId.stderr);
  assert.match(notId.stderr, /"x;id" is not a snapshot id/);
  const planted = await runCli(
    ['restore', '-f', spec, '--snapshot', 'etcd-prod-eu1-20261124T100000Z-r43-0a1b2c3d'],
    env(),
  );
  assert.equal(planted.code, 2, planted.stdout + planted.stderr);
  assert.match(planted.stderr, /is refused: the signature does not match its fields/);
  const list = await runCli(['backup', 'list', '-f', spec], env());
  assert.equal(list.code, 0, list.stdout + list.stderr);
  assert.match(list.stdout, /etcd-prod-eu1-20261123T100000Z-r42-0a1b2c3d/);
  assert.doesNotMatch(list.stdout, /r43/);
  assert.match(
    list.stderr,
    /refused: etcd-prod-eu1-20261124T100000Z-r43-0a1b2c3d: the signature does not match/,
  );
});

test('durations are checked', async () => {
  const r = await runCli(['restore', '-f', spec, '--snapshot', 'x', '--approval-timeout', '30'], env());
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /--approval-timeout: not a duration: "30"/);
});

test('backup status: the newest verified snapshot and its age; no Temporal to ask about the schedule is itself a problem (exit 1)', async () => {
  const r = await runCli(['backup', 'status', '-f', spec, '--max-age', '100000h'], env());
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^backup status of prod-eu1: NEEDS ATTENTION$/m);
  assert.match(
    r.stdout,
    /newest {4}etcd-prod-eu1-20261123T100000Z-r42-0a1b2c3d, taken 2026-11-23T10:00:00.000Z/,
  );
  assert.match(r.stdout, /problem: the backup schedule could not be read/);
  assert.doesNotMatch(r.stdout, /problem: the newest/);
  assert.match(r.stdout, /note: 1 metadata file\(s\) at the target refused/);
  const stale = await runCli(['backup', 'status', '-f', spec, '--max-age', '1h', '--json'], env());
  assert.equal(stale.code, 1);
  const report = JSON.parse(stale.stdout) as { ok: boolean; problems: string[]; newest: { id: string } };
  assert.equal(report.ok, false);
  assert.equal(report.newest.id, 'etcd-prod-eu1-20261123T100000Z-r42-0a1b2c3d');
  assert.ok(
    report.problems.some((p) => /is \d+ days old, more than 60 min/.test(p)),
    report.problems.join('; '),
  );
  const bad = await runCli(['backup', 'status', '-f', spec, '--max-age', 'soon'], env());
  assert.equal(bad.code, 2);
});
