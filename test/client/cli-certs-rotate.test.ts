// `hakube certs rotate` refuses bad input before anything starts (exit 2, nothing connected to).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { makeTempHome, REPO_ROOT } from '../helpers/temp-home';

let home = '';
let spec = '';
before(() => {
  home = makeTempHome();
  spec = join(home, 'cluster.yaml');
  copyFileSync(join(REPO_ROOT, 'examples', 'cluster.yaml'), spec);
});
after(() => rmSync(home, { recursive: true, force: true }));

const env = () => ({ HOME: home, HAKUBE_HOME: join(home, '.hakube'), TEMPORAL_ADDRESS: '127.0.0.1:1' });

test('certs rotate: unknown kinds (CAs are not leaves) and bad durations are refused', async () => {
  for (const [args, message] of [
    [['--only', 'ca'], /--only: unknown ca \(kinds: etcd-server, etcd-peer/],
    [['--only', 'apiserver', '--only', 'kubelet'], /--only: unknown kubelet/],
    [['--health-timeout', 'later'], /--health-timeout: not a duration/],
  ] as const) {
    const r = await runCli(['certs', 'rotate', '-f', spec, ...args], env());
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, message);
  }
});
