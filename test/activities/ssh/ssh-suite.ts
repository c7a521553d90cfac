// The SSH layer's behaviour against a real sshd, written once and run against two kinds of
// endpoint: a local sshd on loopback (always) and lab machines (when the lab is available).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  createWriteStream,
  existsSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { RemoteHost, SshError, SshPool, uploadTempPrefix, type SshTarget } from '../../../activities/ssh';

export type EndpointHost = 'first' | 'second';

export interface SshTestEndpoint {
  /** Local folder for keys and known_hosts files. */
  localDir: string;
  /** Folder on the remote side where tests may write. */
  remoteDir: string;
  target(host: EndpointHost, extra?: Partial<SshTarget>): SshTarget;
  /** A command whose output tells which endpoint host answered, and what it prints there. */
  identityCommand: string;
  identity(host: EndpointHost): string;
  /** Drops every connection and brings the server back (a machine or sshd restart). */
  restart(host: EndpointHost): Promise<void>;
  /** The server gets a new host key (a reinstalled machine). */
  regenerateHostKey(host: EndpointHost): Promise<void>;
  /** A non-root user with passwordless sudo on `second`, or undefined when not feasible. */
  sudoUser?(): Promise<string | undefined>;
}

export function defineSshSuite(ep: SshTestEndpoint): void {
  const pools: SshPool[] = [];
  const hostOn = (which: EndpointHost, extra: Partial<SshTarget> = {}, pool = new SshPool()) => {
    pools.push(pool);
    return { host: new RemoteHost(pool, ep.target(which, extra)), pool };
  };
  const failureOf = async (p: Promise<unknown>): Promise<SshError> => {
    const err = await p.then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SshError, `not an SshError: ${String(err)}`);
    return err;
  };
  const knownHosts = () => join(ep.localDir, 'known_hosts');

  test.after(() => pools.forEach((p) => p.closeAll()));

  test('exec: output, exit codes, stderr, env and stdin; first contact records the host key', async () => {
    const { host } = hostOn('first');
    const r = await host.exec(`${ep.identityCommand}; echo oops >&2; exit 3`);
    assert.deepEqual(r, { exitCode: 3, stdout: `${ep.identity('first')}\n`, stderr: 'oops\n' });
    assert.equal((await host.exec('echo "$GREETING"', { env: { GREETING: "it's ok" } })).stdout, "it's ok\n");
    assert.equal((await host.exec('tr a-z A-Z', { stdin: 'piped' })).stdout, 'PIPED');
    const failed = await failureOf(host.run('false'));
    assert.equal(failed.type, 'RemoteCommandFailed');
    const t = ep.target('first');
    const name = t.port === 22 ? t.address : `[${t.address}]:${t.port}`;
    assert.ok(readFileSync(knownHosts(), 'utf8').includes(`${name} ssh-ed25519 `));
  });

  test('streamed output: onOutput sees every chunk, 20 MB arrives whole', async () => {
    const { host } = hostOn('first');
    let streamed = 0;
    const r = await host.exec('head -c 15000000 /dev/zero | base64 -w 100', {
      onOutput: (chunk, stream) => (streamed += stream === 'stdout' ? chunk.length : 0),
    });
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout.length, 20_000_000 + 200_000);
    assert.equal(streamed, r.stdout.length);
  });

  test('ensureFile: a 100 MB upload, then the same call transfers nothing', async () => {
    const file = join(ep.localDir, 'big.bin');
    const out = createWriteStream(file);
    const hash = createHash('sha256');
    for (let i = 0; i < 100; i++) {
      const chunk = randomBytes(1024 * 1024);
      hash.update(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const { host } = hostOn('first');
    const path = `${ep.remoteDir}/upload/big.bin`;
    const first = await host.ensureFile(path, { localPath: file }, { mode: 0o640 });
    assert.deepEqual(first, {
      changed: true,
      sha256: hash.digest('hex'),
      bytesTransferred: 100 * 1024 * 1024,
    });
    assert.equal(await host.sha256(path), first.sha256);
    assert.equal((await host.stat(path))?.mode, 0o640);
    const second = await host.ensureFile(path, { localPath: file }, { mode: 0o640 });
    assert.deepEqual(second, { changed: false, sha256: first.sha256, bytesTransferred: 0 });
    // A known digest (from a bundle manifest) replaces hashing the local file...
    const known = await host.ensureFile(path, { localPath: file, sha256: first.sha256 }, { mode: 0o640 });
    assert.deepEqual(known, { changed: false, sha256: first.sha256, bytesTransferred: 0 });
    // ...and a digest the file does not have is caught on the host, leaving the target as it was.
    const small = join(ep.localDir, 'small.bin');
    writeFileSync(small, 'not what the manifest says');
    await assert.rejects(
      host.ensureFile(`${ep.remoteDir}/upload/small.bin`, { localPath: small, sha256: 'f'.repeat(64) }),
      /arrived corrupted/,
    );
    assert.equal(await host.stat(`${ep.remoteDir}/upload/small.bin`), undefined);
    // Streamed back down: same bytes, checked on the way, nothing partial left behind.
    const back = join(ep.localDir, 'big.back');
    assert.deepEqual(await host.download(path, back, first.sha256), {
      bytes: 100 * 1024 * 1024,
      sha256: first.sha256,
    });
    await assert.rejects(
      host.download(path, join(ep.localDir, 'big.bad'), 'f'.repeat(64)),
      /arrived corrupted/,
    );
    assert.equal(
      existsSync(join(ep.localDir, 'big.bad')) || existsSync(join(ep.localDir, 'big.bad.partial')),
      false,
    );
    rmSync(back);
    // Into a stream of the caller's (no file of its own): every byte, then the check.
    const sink = createHash('sha256');
    assert.deepEqual(await host.downloadInto(path, sink, first.sha256), {
      bytes: 100 * 1024 * 1024,
      sha256: first.sha256,
    });
    assert.equal(sink.digest('hex'), first.sha256);
    await assert.rejects(host.downloadInto(path, createHash('sha256'), 'f'.repeat(64)), /arrived corrupted/);
    const listing = (await host.run(`ls -a ${ep.remoteDir}/upload`)).stdout;
    assert.equal(listing.includes('.hakube-'), false, 'no temp file left');
    await host.ensureAbsent(`${ep.remoteDir}/upload`);
  });

  test('file helpers: readFile, stat, ensureDir, ensureAbsent are idempotent', async () => {
    const { host } = hostOn('first');
    const conf = `${ep.remoteDir}/hakube-test.conf`;
    assert.equal(await host.readFile(`${ep.remoteDir}/nonexistent`), undefined);
    assert.equal(await host.stat(`${ep.remoteDir}/nonexistent`), undefined);
    assert.equal((await host.ensureFile(conf, Buffer.from('a=1\n'), { mode: 0o600 })).changed, true);
    assert.equal((await host.ensureFile(conf, Buffer.from('a=1\n'), { mode: 0o600 })).changed, false);
    assert.equal((await host.readFile(conf))?.toString(), 'a=1\n');
    assert.deepEqual(await host.stat(conf), { size: 4, mode: 0o600, uid: 0, gid: 0, isDirectory: false });
    const dir = `${ep.remoteDir}/hakube-dir`;
    assert.deepEqual(await host.ensureDir(dir, { mode: 0o700 }), { changed: true });
    assert.deepEqual(await host.ensureDir(dir, { mode: 0o700 }), { changed: false });
    assert.deepEqual(await host.ensureDir(dir, { mode: 0o750 }), { changed: true });
    assert.deepEqual(await host.ensureAbsent(dir), { changed: true });
    assert.deepEqual(await host.ensureAbsent(dir), { changed: false });
  });

  test('20 concurrent commands share one pooled connection and run in parallel', async () => {
    const { host, pool } = hostOn('first');
    const spans = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const r = await host.run(`date +%s%N; sleep 2; date +%s%N; echo ${i}`);
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

  test('cancellation and timeout kill the remote command (and its children)', async () => {
    const { host } = hostOn('first');
    const controller = new AbortController();
    // A pipeline: the shell and both children must go, not just the channel.
    const running = host.exec('sleep 3011 | cat', { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 1000));
    assert.notEqual((await host.exec('pgrep -f "sleep 301[1]"')).stdout.trim(), '');
    controller.abort();
    await assert.rejects(running, /cancelled/);
    const timedOut = await failureOf(host.exec('sleep 3012', { timeoutMs: 1000 }));
    assert.equal(timedOut.type, 'RemoteCommandTimeout');
    let left = 'x';
    for (let i = 0; i < 20 && left; i++) {
      await new Promise((r) => setTimeout(r, 250));
      left = (await host.exec('pgrep -f "sleep 301[12]" || true')).stdout.trim();
    }
    assert.equal(left, '', 'remote commands still running');
  });

  test("the host's cancellation (an activity's) ends its commands, and an upload under way, leaving nothing partial", async () => {
    const controller = new AbortController();
    const pool = new SshPool();
    pools.push(pool);
    const host = new RemoteHost(pool, ep.target('first'), () => controller.signal);
    const watcher = hostOn('first').host;
    const dir = `${ep.remoteDir}/cancelled`;
    await watcher.run(`mkdir -p ${dir}`);
    const file = join(ep.localDir, 'cancelled.bin');
    const out = createWriteStream(file);
    for (let i = 0; i < 400; i++) if (!out.write(randomBytes(1024 * 1024))) await once(out, 'drain');
    out.end();
    await once(out, 'close');
    // Cancelled once the partial file is there and growing.
    const upload = host.ensureFile(`${dir}/big.bin`, { localPath: file });
    let partial = 0;
    for (let i = 0; i < 400 && partial === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      const sizes = await watcher.exec(`stat -c %s ${dir}/.big.bin.hakube-* 2>/dev/null || true`);
      partial = Number(sizes.stdout.trim().split('\n')[0] || 0);
    }
    assert.ok(partial > 0 && partial < 400 * 1024 * 1024, `no partial upload seen (${partial} bytes)`);
    controller.abort();
    await assert.rejects(upload, /cancelled: upload of/);
    let listing = 'x';
    for (let i = 0; i < 20 && listing; i++) {
      await new Promise((r) => setTimeout(r, 250));
      listing = (await watcher.run(`ls -A ${dir}`)).stdout.trim();
    }
    assert.equal(listing, '', 'a partial upload was left behind');
    // A command started with the cancelled host does not run at all; with null it still does.
    await assert.rejects(host.exec('sleep 3013'), /cancelled/);
    assert.equal((await host.exec('echo still', { signal: null })).stdout, 'still\n');
    // The same pooled connection serves uploads again: a new SFTP session replaces the closed one.
    const again = new RemoteHost(pool, ep.target('first'));
    assert.equal((await again.ensureFile(`${dir}/small`, { localPath: file })).changed, true);
    assert.equal(pool.opened, 1);
    await watcher.ensureAbsent(dir);
    rmSync(file);
  });

  test('a bastion reaches a host behind it', async () => {
    const first = ep.target('first');
    const { host } = hostOn('second', {
      bastion: {
        address: first.address,
        port: first.port,
        user: first.user,
        privateKeyPath: first.privateKeyPath,
      },
    });
    assert.equal((await host.run(ep.identityCommand)).stdout.trim(), ep.identity('second'));
  });

  test('a non-root user runs through sudo -n; uploads pass through a private folder and end up root-owned, none left behind', async (t) => {
    const user = await ep.sudoUser?.();
    if (!user) return t.skip('no sudo user on this endpoint');
    const { host: root } = hostOn('second');
    const { host: ops } = hostOn('second', { user, sudo: true });
    assert.equal((await ops.run('id -u')).stdout.trim(), '0');
    assert.equal((await ops.run('id -un', { sudo: false })).stdout.trim(), user);
    const path = `${ep.remoteDir}/hakube-sudo.conf`;
    // What an upload cut short leaves: its temp file in the user's staging folder; the next upload removes it.
    const home = (await ops.run('printf %s "$HOME"', { sudo: false })).stdout.trim();
    const staging = `${home}/.hakube-staging`;
    const stale = `${uploadTempPrefix(path, staging)}cut`;
    await ops.run(`mkdir -p ${staging} && touch ${stale}`, { sudo: false });
    await ops.ensureFile(path, Buffer.from('x\n'), { mode: 0o600 });
    assert.equal((await root.run(`stat -c "%U %a" ${path}`)).stdout.trim(), 'root 600');
    assert.equal((await root.run(`stat -c "%U %a" ${staging}`)).stdout.trim(), `${user} 700`);
    assert.equal(
      (await root.run(`ls -A ${staging}`)).stdout.trim(),
      '',
      'something left in the staging folder',
    );
    assert.equal(
      (await root.run(`ls -a /tmp`)).stdout.includes('.hakube-'),
      false,
      'an upload went through /tmp',
    );
  });

  test('the pool reconnects after the server restarts', async () => {
    const { host, pool } = hostOn('second');
    assert.equal((await host.run(ep.identityCommand)).stdout.trim(), ep.identity('second'));
    await ep.restart('second');
    assert.equal((await host.run(ep.identityCommand)).stdout.trim(), ep.identity('second'));
    assert.equal(pool.opened, 2);
  });

  test('a connection lost under a running command is ConnectionReset (retryable); the next call reconnects', async () => {
    const { host, pool } = hostOn('second');
    await host.run('true');
    const outcome = failureOf(host.exec('sleep 3013')); // handled from the start: it rejects mid-restart
    await new Promise((r) => setTimeout(r, 500));
    await ep.restart('second');
    const err = await outcome;
    assert.equal(err.type, 'ConnectionReset');
    assert.equal(err.retryable, true);
    assert.equal((await host.run(ep.identityCommand)).stdout.trim(), ep.identity('second'));
    assert.equal(pool.opened, 2);
  });

  test('an upload whose connection dies fails as ConnectionReset (ssh2 alone waits forever); the retry completes and leaves no temp file', async () => {
    const file = join(ep.localDir, 'cut.bin');
    writeFileSync(file, randomBytes(256 * 1024 * 1024));
    const { host } = hostOn('second');
    const dir = `${ep.remoteDir}/cut`;
    await host.run(`mkdir -p ${dir}`);
    const outcome = failureOf(host.ensureFile(`${dir}/cut.bin`, { localPath: file }));
    // Once the remote file is open (its temp name exists), this connection's sftp-server is frozen
    // so the transfer cannot finish first (one remote loop: loopback uploads take a second);
    // then every connection drops.
    await host.run(
      `for i in $(seq 2000); do ls -a ${dir} | grep -q hakube- && break; sleep 0.002; done; pkill -STOP -P $PPID -x sftp-server`,
    );
    await ep.restart('second');
    const err = await outcome;
    assert.equal(err.type, 'ConnectionReset');
    assert.match(err.message, /connection lost during upload of .*cut\.bin/);
    assert.equal((await host.ensureFile(`${dir}/cut.bin`, { localPath: file })).changed, true);
    // The cut upload's temp file is gone with it: removed by the retry if not right away.
    assert.equal((await host.run(`ls -a ${dir}`)).stdout.includes('.hakube-'), false, 'no temp file left');
    await host.ensureAbsent(dir);
  });

  test('a wrong key is refused as AuthenticationFailed (not retryable)', async () => {
    const wrongKey = join(ep.localDir, 'wrong');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
    const { host } = hostOn('first', { privateKeyPath: wrongKey });
    const err = await failureOf(host.exec('true'));
    assert.equal(err.type, 'AuthenticationFailed');
    assert.equal(err.retryable, false);
  });

  test('a passphrase-protected key opens with its passphrase file; without it, with a wrong one or one others may read, it is refused by name', async () => {
    // The key the server accepts, protected with a passphrase.
    const key = join(ep.localDir, 'protected');
    copyFileSync(ep.target('first').privateKeyPath as string, key);
    chmodSync(key, 0o600);
    execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', 'correct horse', '-f', key]);
    assert.match(readFileSync(key, 'utf8'), /BEGIN OPENSSH PRIVATE KEY/);
    const passFile = (name: string, content: string, mode = 0o600) => {
      const file = join(ep.localDir, name);
      writeFileSync(file, content, { mode });
      chmodSync(file, mode);
      return file;
    };
    const right = passFile('protected.pass', 'correct horse\n');
    const { host } = hostOn('first', { privateKeyPath: key, passphraseFile: right });
    assert.equal((await host.exec(ep.identityCommand)).stdout, `${ep.identity('first')}\n`);

    const refusal = async (extra: Partial<SshTarget>, message: RegExp) => {
      const err = await failureOf(hostOn('first', { privateKeyPath: key, ...extra }).host.exec('true'));
      assert.equal(err.type, 'AuthenticationFailed');
      assert.equal(err.retryable, false);
      assert.match(err.message, message);
      assert.ok(!err.message.includes('horse'), 'the passphrase is never in a message');
    };
    await refusal({}, /is passphrase-protected: name a file holding its passphrase/);
    await refusal(
      { passphraseFile: passFile('wrong.pass', 'battery staple\n') },
      /does not decrypt private key/,
    );
    await refusal(
      { passphraseFile: passFile('open.pass', 'correct horse\n', 0o644) },
      /readable by others: chmod 600/,
    );
    await refusal({ passphraseFile: join(ep.localDir, 'missing.pass') }, /cannot read passphrase file/);
  });

  test('ssh-agent: its keys authenticate, the agent is never forwarded, and one asked for but absent is refused', async () => {
    const socket = join(ep.localDir, 'agent.sock');
    rmSync(socket, { force: true });
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
      execFileSync('ssh-add', ['-q', ep.target('first').privateKeyPath as string], {
        env: { ...process.env, SSH_AUTH_SOCK: socket },
        stdio: 'ignore',
      });
      const { host } = hostOn('first', { privateKeyPath: undefined, agentSocket: socket });
      assert.equal((await host.exec(ep.identityCommand)).stdout, `${ep.identity('first')}\n`);
      assert.equal((await host.exec('echo "${SSH_AUTH_SOCK:-none}"')).stdout, 'none\n');

      const absent = await failureOf(
        hostOn('first', { privateKeyPath: undefined, agentSocket: '' }).host.exec('true'),
      );
      assert.equal(absent.type, 'AuthenticationFailed');
      assert.match(absent.message, /ssh\.agent: true\) but the worker has no SSH_AUTH_SOCK/);
    } finally {
      agent.kill();
    }
  });

  test('nothing listening is ConnectionRefused (retryable)', async () => {
    const { host } = hostOn('first', { address: '127.0.0.1', port: 1 });
    const err = await failureOf(host.exec('true'));
    assert.equal(err.type, 'ConnectionRefused');
    assert.equal(err.retryable, true);
  });

  test('strict policy refuses an unknown host; a changed host key is HostKeyMismatch (not retryable)', async () => {
    const { host: strict } = hostOn('first', {
      knownHostsPath: join(ep.localDir, 'empty_known_hosts'),
      hostKeyPolicy: 'strict',
    });
    assert.equal((await failureOf(strict.exec('true'))).type, 'HostKeyUnknown');

    const { host } = hostOn('first');
    await host.run('true'); // pinned (trust on first use, or already known)
    await ep.regenerateHostKey('first');
    const { host: again } = hostOn('first');
    const err = await failureOf(again.exec('true'));
    assert.equal(err.type, 'HostKeyMismatch');
    assert.equal(err.retryable, false);
    assert.match(err.message, /host key changed/);
  });
}
