// `hakube reset` refuses bad input before anything starts (exit 2, nothing connected to).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { makeTempHome, REPO_ROOT } from '../helpers/temp-home';

let home = '';
let spec = '';
before(() => {
  home = makeTempHome();
  spec = join(home, 'cluster.yaml');
  writeFileSync(spec, readFileSync(join(REPO_ROOT, 'examples', 'cluster.yaml'), 'utf8'));
});
after(() => rmSync(home, { recursive: true, force: true }));

// No server runs here: each of these must be refused before the CLI connects to one.
const env = () => ({ HOME: home, HAKUBE_HOME: join(home, '.hakube'), TEMPORAL_ADDRESS: '127.0.0.1:1' });

test('an unknown --node is refused, naming the hosts there are', async () => {
  const r = await runCli(['reset', '-f', spec, '--node', 'worker-1', '--node', 'worker-9', '--yes'], env());
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(
    r.stderr,
    /--node: no host worker-9 in .*cluster\.yaml; hosts are master-1, master-2, master-3, worker-1, worker-2/,
  );
});

test('durations are checked', async () => {
  const r = await runCli(['reset', '-f', spec, '--approval-timeout', 'soon'], env());
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /--approval-timeout: not a duration: "soon"/);
});

test('reset is listed with its options', async () => {
  const r = await runCli(['reset', '--help'], env());
  assert.equal(r.code, 0, r.stderr);
  for (const flag of ['--node <name>', '--yes', '--wait', '--approval-timeout <duration>'])
    assert.ok(r.stdout.includes(flag), flag);
});
