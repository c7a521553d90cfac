// Runs the real `hakube` launcher (bin/hakube.js) as a user would.
import { spawn } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { makeTempHome, REPO_ROOT } from './temp-home';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'hakube.js'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hakube ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/**
 * A temporary home holding a copy of examples/cluster.yaml, for CLI tests of bad input: its env
 * points the CLI at a Temporal address where nothing listens, so a command that connects fails.
 */
export function exampleSpecHome(): { spec: () => string; env: () => NodeJS.ProcessEnv } {
  let home = '';
  before(() => {
    home = makeTempHome();
    copyFileSync(join(REPO_ROOT, 'examples', 'cluster.yaml'), join(home, 'cluster.yaml'));
  });
  after(() => rmSync(home, { recursive: true, force: true }));
  return {
    spec: () => join(home, 'cluster.yaml'),
    env: () => ({ HOME: home, HAKUBE_HOME: join(home, '.hakube'), TEMPORAL_ADDRESS: '127.0.0.1:1' }),
  };
}
