// `hakube restore` refuses bad input before anything starts (exit 2, nothing connected to).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { makeTempHome, REPO_ROOT } from '../helpers/temp-home';

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
  const meta = { id: 'etcd-prod-eu1-20261123T100000Z-r42-0a1b2c3d', takenAt: '2026-11-23T10:00:00.000Z' };
  writeFileSync(join(backups, `${meta.id}.json`), JSON.stringify(meta));
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
  const r = await runCli(['restore', '-f', spec, '--snapshot', 'etcd-prod-eu1-nope'], env());
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(
    r.stderr,
    /no verified snapshot etcd-prod-eu1-nope at .*backups; newest: etcd-prod-eu1-20261123T100000Z-r42-0a1b2c3d/,
  );
});

test('durations are checked', async () => {
  const r = await runCli(['restore', '-f', spec, '--snapshot', 'x', '--approval-timeout', '30'], env());
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /--approval-timeout: not a duration: "30"/);
});
