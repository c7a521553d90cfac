// A real S3-compatible server for the S3 target's tests: moto's S3 over HTTP, installed by
// scripts/test.sh into .tools/moto (pinned, from PyPI), on a free loopback port.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './ports';
import { REPO_ROOT } from './temp-home';

export interface MotoS3 {
  endpoint: string;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

const MOTO_DIR = join(REPO_ROOT, '.tools', 'moto');

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export async function startMotoS3(): Promise<MotoS3> {
  if (!existsSync(join(MOTO_DIR, 'moto')))
    throw new Error(`${MOTO_DIR} has no moto: run scripts/test.sh (it installs it) first`);
  const port = await freePort();
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, PYTHONPATH: MOTO_DIR },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = `${log}${d.toString()}`.slice(-4000)));
  const deadline = Date.now() + 30_000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto did not start on port ${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    async createBucket(name) {
      // moto does not check signatures by default: a plain PUT makes the bucket.
      const r = await fetch(`${endpoint}/${name}`, { method: 'PUT' });
      if (!r.ok) throw new Error(`create bucket ${name}: HTTP ${r.status}`);
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
