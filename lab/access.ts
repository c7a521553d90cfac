// SSH access to lab machines: a per-lab key, waiting until a machine answers and has booted,
// and its host key recorded in the lab's known_hosts (so specs can even use the strict policy).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labDir } from './names';
import { consoleLog, consoleTail, machinePid } from './machine';
import { run, sleep, tryRun } from './exec';

export const keyPath = (lab: string) => join(labDir(lab), 'id_ed25519');
export const knownHostsPath = (lab: string) => join(labDir(lab), 'known_hosts');

export async function ensureLabKey(lab: string): Promise<string> {
  const key = keyPath(lab);
  if (!existsSync(key))
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `hakube-lab-${lab}`, '-f', key]);
  return readFileSync(`${key}.pub`, 'utf8');
}

/** Runs a command on a machine with the system ssh client (the lab is tooling, not an activity). */
export function sshRun(lab: string, address: string, command: string, timeoutSeconds = 5) {
  return tryRun(
    'ssh',
    [
      '-i',
      keyPath(lab),
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      '-o',
      `ConnectTimeout=${timeoutSeconds}`,
      `root@${address}`,
      command,
    ],
    { timeoutMs: (timeoutSeconds + 60) * 1000 },
  );
}

export interface BootState {
  state: string;
  failedUnits: string[];
}

/**
 * Whether the machine's nspawn process runs. A single miss is not trusted: while the starter
 * shell execs systemd-nspawn, /proc/<pid>/cmdline reads empty for a moment.
 */
async function machineStillRuns(lab: string, host: string): Promise<boolean> {
  for (let check = 0; check < 3; check++) {
    if (machinePid(lab, host) !== undefined) return true;
    await sleep(300);
  }
  return false;
}

/** Waits until sshd answers and systemd has finished booting; returns the final state. */
export async function waitForBoot(
  lab: string,
  host: string,
  address: string,
  timeoutMs = 120_000,
): Promise<BootState> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!(await machineStillRuns(lab, host))) {
      throw new Error(
        `${host} stopped while booting; its console (${consoleLog(lab, host)}) ends with:\n${consoleTail(lab, host)}`,
      );
    }
    const r = await sshRun(
      lab,
      address,
      'systemctl is-system-running --wait; systemctl --failed --no-legend --plain | cut -d" " -f1',
      3,
    );
    if (r.code !== 255 && r.stdout.trim()) {
      const [state, ...failed] = r.stdout.trim().split('\n');
      if (state === 'running' || state === 'degraded') return { state, failedUnits: failed.filter(Boolean) };
      last = state;
    } else last = r.stderr.trim();
    await sleep(500);
  }
  throw new Error(`${address} did not finish booting within ${timeoutMs / 1000} s (${last})`);
}

/** Records the machines' ed25519 host keys in the lab's known_hosts (replacing older entries). */
export async function recordHostKeys(lab: string, addresses: string[]): Promise<void> {
  const lines: string[] = [];
  for (const address of addresses) {
    const r = await run('ssh-keyscan', ['-T', '5', '-t', 'ed25519', address]);
    lines.push(...r.split('\n').filter((l) => l && !l.startsWith('#')));
  }
  writeFileSync(knownHostsPath(lab), `${lines.join('\n')}\n`);
}
