// `hakube hosts scan` against a real sshd on loopback: an unknown key is shown and recorded only
// with accept; a recorded key is known; a regenerated host key is "changed" and never recorded;
// a host that does not answer is unreachable. Strict connections work once the key is accepted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanHostKeys } from '../../../activities/ssh/host-key-scan';
import { SshPool } from '../../../activities/ssh';
import { freePort } from '../../helpers/ports';
import { localSshdTarget, sshdAvailable, startLocalSshd, type LocalSshd } from '../../helpers/local-sshd';

let sshd: LocalSshd;
const dir = mkdtempSync(join(tmpdir(), 'hakube-scan-'));
const knownHosts = join(dir, 'known_hosts');

before(async () => {
  sshd = await startLocalSshd();
});
after(() => sshd?.stop());

test(
  'unknown, accepted, known, changed (never recorded), unreachable',
  { skip: !sshdAvailable() },
  async () => {
    const target = { ...localSshdTarget(sshd, 'local', knownHosts), hostKeyPolicy: 'strict' as const };
    const pool = new SshPool();
    try {
      await assert.rejects(
        pool.use(target, (c) => c.exec('true')),
        /unknown host key/,
      );
      const [first] = await scanHostKeys([target]);
      assert.equal(first.status, 'unknown');
      assert.match(first.fingerprint ?? '', /^SHA256:/);
      assert.equal(existsSync(knownHosts), false, 'a scan without accept recorded a key');

      const [accepted] = await scanHostKeys([target], { accept: true });
      assert.equal(accepted.accepted, true);
      assert.equal((await scanHostKeys([target]))[0].status, 'known');
      assert.equal((await pool.use(target, (c) => c.exec('echo strict-ok'))).stdout.trim(), 'strict-ok');

      await sshd.regenerateHostKey();
      const before = readFileSync(knownHosts, 'utf8');
      const [changed] = await scanHostKeys([target], { accept: true });
      assert.equal(changed.status, 'changed');
      assert.equal(changed.accepted, undefined);
      assert.equal(readFileSync(knownHosts, 'utf8'), before, 'a changed key was recorded');

      const [down] = await scanHostKeys([{ ...target, port: await freePort(), connectTimeoutMs: 2000 }]);
      assert.equal(down.status, 'unreachable');
    } finally {
      pool.closeAll();
    }
  },
);
