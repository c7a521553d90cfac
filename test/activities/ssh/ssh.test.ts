// The SSH layer against real sshd on lab machines.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { RemoteHost, SshError, SshPool, type SshTarget } from '../../../activities/ssh';
import { labStartHost, labStopHost, type LabInfo } from '../../../lab';
import { addressOf, bootLab, removeLab } from '../../helpers/lab-fixture';

const LAB = 't-ssh';
let lab: LabInfo;
let dir: string;
const pools: SshPool[] = [];

function target(host: string, extra: Partial<SshTarget> = {}): SshTarget {
  return {
    name: host,
    address: addressOf(lab, host),
    port: 22,
    user: 'root',
    privateKeyPath: lab.sshKeyPath,
    knownHostsPath: join(dir, 'known_hosts'),
    hostKeyPolicy: 'trust-on-first-use',
    ...extra,
  };
}

function hostOn(
  name: string,
  extra: Partial<SshTarget> = {},
  pool = new SshPool(),
): { host: RemoteHost; pool: SshPool } {
  pools.push(pool);
  return { host: new RemoteHost(pool, target(name, extra)), pool };
}

async function failureOf(p: Promise<unknown>): Promise<SshError> {
  const err = await p.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SshError, `not an SshError: ${String(err)}`);
  return err;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hakube-ssh-'));
  lab = await bootLab(LAB, 2);
});

after(async () => {
  pools.forEach((p) => p.closeAll());
  await removeLab(LAB);
  rmSync(dir, { recursive: true, force: true });
});

test('exec: output, exit codes, stderr, env and stdin; first contact records the host key', async () => {
  const { host } = hostOn('master-1');
  const r = await host.exec('hostname; echo oops >&2; exit 3');
  assert.deepEqual(r, { exitCode: 3, stdout: 'master-1\n', stderr: 'oops\n' });
  assert.equal((await host.exec('echo "$GREETING"', { env: { GREETING: "it's ok" } })).stdout, "it's ok\n");
  assert.equal((await host.exec('tr a-z A-Z', { stdin: 'piped' })).stdout, 'PIPED');
  await assert.rejects(
    host.run('false'),
    (e: unknown) => e instanceof SshError && e.type === 'RemoteCommandFailed',
  );
  assert.match(
    execFileSync('cat', [join(dir, 'known_hosts')]).toString(),
    new RegExp(`^${addressOf(lab, 'master-1')} ssh-ed25519 `),
  );
});

test('large output arrives whole', async () => {
  const { host } = hostOn('master-1');
  const r = await host.exec('head -c 15000000 /dev/zero | base64 -w 100');
  assert.equal(r.exitCode, 0);
  assert.equal(r.stdout.length, 20000000 + 200000);
});

test('ensureFile: a 100 MB upload, then the same call transfers nothing', async () => {
  const file = join(dir, 'big.bin');
  const out = createWriteStream(file);
  const hash = createHash('sha256');
  for (let i = 0; i < 100; i++) {
    const chunk = randomBytes(1024 * 1024);
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const { host } = hostOn('master-1');
  const first = await host.ensureFile('/var/tmp/hakube/big.bin', { localPath: file }, { mode: 0o640 });
  assert.deepEqual(first, { changed: true, sha256: hash.digest('hex'), bytesTransferred: 100 * 1024 * 1024 });
  assert.equal(await host.sha256('/var/tmp/hakube/big.bin'), first.sha256);
  assert.equal((await host.stat('/var/tmp/hakube/big.bin'))?.mode, 0o640);
  const second = await host.ensureFile('/var/tmp/hakube/big.bin', { localPath: file }, { mode: 0o640 });
  assert.deepEqual(second, { changed: false, sha256: first.sha256, bytesTransferred: 0 });
  assert.equal(
    (await host.exec('ls -a /var/tmp/hakube')).stdout.includes('.hakube-'),
    false,
    'no temp file left',
  );
});

test('file helpers: readFile, ensureDir, ensureAbsent are idempotent', async () => {
  const { host } = hostOn('master-1');
  assert.equal(await host.readFile('/nonexistent'), undefined);
  assert.equal(
    (await host.ensureFile('/etc/hakube-test.conf', Buffer.from('a=1\n'), { mode: 0o600 })).changed,
    true,
  );
  assert.equal((await host.readFile('/etc/hakube-test.conf'))?.toString(), 'a=1\n');
  assert.deepEqual(await host.ensureDir('/var/lib/hakube-test', { mode: 0o700 }), { changed: true });
  assert.deepEqual(await host.ensureDir('/var/lib/hakube-test', { mode: 0o700 }), { changed: false });
  assert.deepEqual(await host.ensureAbsent('/var/lib/hakube-test'), { changed: true });
  assert.deepEqual(await host.ensureAbsent('/var/lib/hakube-test'), { changed: false });
});

test('20 concurrent commands share one pooled connection and run in parallel', async () => {
  const { host, pool } = hostOn('master-1');
  const spans = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const r = await host.run(`date +%s%N; sleep 0.5; date +%s%N; echo ${i}`);
      const [start, end, n] = r.stdout.trim().split('\n');
      return { start: BigInt(start), end: BigInt(end), n: Number(n) };
    }),
  );
  assert.deepEqual(
    spans.map((s) => s.n),
    Array.from({ length: 20 }, (_, i) => i),
  );
  assert.equal(pool.opened, 1);
  // At least 8 (the channel bound) overlapped: the 8th earliest start precedes the earliest end.
  const starts = spans.map((s) => s.start).sort((a, b) => (a < b ? -1 : 1));
  const firstEnd = spans.map((s) => s.end).reduce((a, b) => (a < b ? a : b));
  assert.ok(starts[7] < firstEnd);
});

test('cancellation and timeout kill the remote command', async () => {
  const { host } = hostOn('master-1');
  const controller = new AbortController();
  const running = host.exec('sleep 301', { signal: controller.signal });
  await new Promise((r) => setTimeout(r, 1000));
  controller.abort();
  await assert.rejects(running, /cancelled/);
  const timedOut = await failureOf(host.exec('sleep 302', { timeoutMs: 1000 }));
  assert.equal(timedOut.type, 'RemoteCommandTimeout');
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal((await host.exec('pgrep -f "sleep 30[12]" || true')).stdout.trim(), '');
});

test('a bastion reaches a host behind it; a sudo user gets root', async () => {
  const { host: viaBastion } = hostOn('master-2', {
    bastion: { address: addressOf(lab, 'master-1'), port: 22, user: 'root', privateKeyPath: lab.sshKeyPath },
  });
  assert.equal((await viaBastion.run('hostname')).stdout.trim(), 'master-2');

  const { host: root } = hostOn('master-2');
  await root.run(
    'id ops >/dev/null 2>&1 || useradd -m -s /bin/bash ops; mkdir -p ~ops/.ssh && cp /root/.ssh/authorized_keys ~ops/.ssh/ && chown -R ops ~ops/.ssh && echo "ops ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/ops',
  );
  const { host: ops } = hostOn('master-2', { user: 'ops', sudo: true });
  assert.equal((await ops.run('id -u')).stdout.trim(), '0');
  assert.equal((await ops.run('id -un', { sudo: false })).stdout.trim(), 'ops');
  await ops.ensureFile('/etc/hakube-sudo.conf', Buffer.from('x\n'), { mode: 0o600 });
  assert.equal((await root.run('stat -c "%U %a" /etc/hakube-sudo.conf')).stdout.trim(), 'root 600');
});

test('the pool reconnects after the machine restarts', async () => {
  const { host, pool } = hostOn('master-2');
  assert.equal((await host.run('hostname')).stdout.trim(), 'master-2');
  await labStopHost(LAB, 'master-2');
  await labStartHost(LAB, 'master-2');
  assert.equal((await host.run('hostname')).stdout.trim(), 'master-2');
  assert.equal(pool.opened, 2);
});

test('a wrong key is refused as AuthenticationFailed (not retryable)', async () => {
  const wrongKey = join(dir, 'wrong');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
  const { host } = hostOn('master-1', { privateKeyPath: wrongKey });
  const err = await failureOf(host.exec('true'));
  assert.equal(err.type, 'AuthenticationFailed');
  assert.equal(err.retryable, false);
});

test('strict policy refuses an unknown host; a changed host key is HostKeyMismatch (not retryable)', async () => {
  const { host: strict } = hostOn('master-1', {
    knownHostsPath: join(dir, 'empty_known_hosts'),
    hostKeyPolicy: 'strict',
  });
  assert.equal((await failureOf(strict.exec('true'))).type, 'HostKeyUnknown');

  const { host, pool } = hostOn('master-1');
  await host.run('rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && systemctl restart ssh');
  pool.closeAll();
  const { host: again } = hostOn('master-1');
  const err = await failureOf(again.exec('true'));
  assert.equal(err.type, 'HostKeyMismatch');
  assert.equal(err.retryable, false);
  assert.match(err.message, /host key changed/);
});
