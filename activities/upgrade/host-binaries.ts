// An upgrade's steps on one host: what it runs now (versions, replaced binaries, the version its
// apiserver serves), its current binaries kept before the new ones arrive and put back when its
// gate fails, and restarts of the units that run a replaced binary. Each is idempotent: a retry
// after a crash finds the kept copy complete, the files in place, the units already restarted.
import { posix } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { filesForRoles } from '../../cluster/bundle';
import { ErrorTypes } from '../../cluster/errors';
import { pki } from '../../cluster/layout';
import {
  hostProbeScript,
  parseHostProbe,
  runningUnitsScript,
  UPGRADED_UNITS,
  type ProbeResult,
} from '../../cluster/upgrade/probe';
import { apiserverPort } from '../../cluster/topology';
import { hostPathOf } from '../artifacts/ensure-binaries';
import { readManifest } from '../bundle';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { unitState, verifyActive } from '../host/ensure-service';
import { reportProgress } from '../liveness';
import { shq } from '../ssh/shell';

/** Where a host keeps the binaries it ran before the upgrade of `stamp` (kept until removed by hand). */
export function previousBinariesDir(stamp: string): string {
  if (!/^\d{8}T\d{6}Z$/.test(stamp))
    throw new Error(`upgrade stamp "${stamp}" is not a UTC stamp like 20261206T143000Z`);
  return `/var/lib/hakube/upgrade-${stamp}/previous`;
}

/** Written last: a kept copy without it was cut short and is made again. */
const COMPLETE = '.complete';

export interface KeepInput extends HostInput {
  stamp: string;
  /** The target bundle: which binaries the host's roles receive (the ones kept). */
  bundleDir: string;
}

export interface KeptBinaries {
  dir: string;
  files: string[];
  /** The copy was made by an earlier attempt (or run) and left as it was. */
  alreadyKept: boolean;
}

export interface RestartInput extends HostInput {
  /** Units to restart if they run a replaced binary, in this order; each must be active afterwards. */
  units: string[];
  /** Also start a listed unit that is not running (after a rollback, a unit that failed on the new binary). */
  startInactive?: boolean;
}

function refuseUnknownUnits(units: string[]): void {
  const unknown = units.filter((u) => !(UPGRADED_UNITS as readonly string[]).includes(u));
  if (unknown.length) throw new Error(`not a unit an upgrade restarts: ${unknown.join(', ')}`);
}

export function createUpgradeHostActivities(deps: { hosts: HostProvider }) {
  return {
    /** Versions of the host's binaries, the units running replaced ones, and its apiserver's /version. */
    async readHostVersions(input: HostInput): Promise<ProbeResult> {
      const { spec, host } = resolveHost(deps.hosts, input);
      const port = spec.roles.includes('control-plane') ? apiserverPort(input.cluster) : undefined;
      const r = await host.run(hostProbeScript(pki.ca.cert, port), { timeoutMs: 60_000 });
      return parseHostProbe(input.host, r.stdout);
    },

    /**
     * Copies the binaries the host's roles need (those present) into the upgrade's folder, once:
     * a copy marked complete is never overwritten, so a retry after the new binaries arrived
     * cannot replace the previous ones with the new.
     */
    async keepPreviousBinaries(input: KeepInput): Promise<KeptBinaries> {
      const { spec, host } = resolveHost(deps.hosts, input);
      const dir = previousBinariesDir(input.stamp);
      const list = posix.join(dir, COMPLETE);
      const done = await host.readFile(list);
      if (done) return { dir, files: done.toString().split('\n').filter(Boolean), alreadyKept: true };
      const manifest = await readManifest(input.bundleDir);
      const targets = [
        ...new Set(filesForRoles(manifest, spec.roles).map(({ file }) => hostPathOf(file.path))),
      ];
      const present: string[] = [];
      await host.run(`rm -rf -- ${shq(dir)} && mkdir -p -- ${shq(dir)} && chmod 0700 -- ${shq(dir)}`);
      for (const path of targets) {
        if (!(await host.stat(path))) continue;
        // The path kept under the folder (usr/local/bin/..., opt/cni/bin/...), its folders made
        // first: `cp -p --parents` of an absolute path fails in coreutils 9.1 (Debian 12) unless
        // run from / (it looks for "usr/local/bin" relative to the working directory).
        const kept = `${dir}${path}`;
        await host.run(`mkdir -p -- ${shq(posix.dirname(kept))} && cp -p -- ${shq(path)} ${shq(kept)}`);
        present.push(path);
      }
      await host.ensureFile(list, Buffer.from(present.map((p) => `${p}\n`).join('')), { mode: 0o600 });
      return { dir, files: present, alreadyKept: false };
    },

    /** Puts each kept binary back (a temp copy renamed over the current one, so a running process keeps its file). */
    async restorePreviousBinaries(input: HostInput & { stamp: string }): Promise<{ restored: string[] }> {
      const { host } = resolveHost(deps.hosts, input);
      const dir = previousBinariesDir(input.stamp);
      const list = await host.readFile(posix.join(dir, COMPLETE));
      if (!list)
        throw ApplicationFailure.create({
          type: ErrorTypes.UpgradeFailed,
          message: `${input.host}: no complete copy of its previous binaries in ${dir}; nothing to put back`,
          nonRetryable: true,
        });
      const restored: string[] = [];
      for (const path of list.toString().split('\n').filter(Boolean)) {
        if (!/^\/[A-Za-z0-9._/-]+$/.test(path))
          throw new Error(`${dir}/${COMPLETE} names an unexpected path: ${JSON.stringify(path)}`);
        const kept = `${dir}${path}`;
        const temp = `${posix.dirname(path)}/.${posix.basename(path)}.hakube-rollback`;
        await host.run(`cp -p -- ${shq(kept)} ${shq(temp)} && mv -f -- ${shq(temp)} ${shq(path)}`);
        restored.push(path);
      }
      return { restored };
    },

    /**
     * Restarts each listed unit whose process runs a replaced binary, in order, and checks each is
     * active afterwards (a unit that fails on the new binary fails this step; the retry finds it
     * restarted and only checks again).
     */
    async restartReplacedServices(input: RestartInput): Promise<{ restarted: string[]; started: string[] }> {
      refuseUnknownUnits(input.units);
      const { host } = resolveHost(deps.hosts, input);
      const restarted: string[] = [];
      const started: string[] = [];
      for (const unit of input.units) {
        const probe = parseHostProbe(input.host, (await host.run(runningUnitsScript())).stdout);
        const state = await unitState(host, unit);
        if (probe.outdated.includes(unit)) {
          reportProgress({
            step: `restart/${input.host}`,
            output: `systemctl restart ${unit} (runs a replaced binary)`,
          });
          await host.run(`systemctl restart ${shq(unit)}`, { timeoutMs: 120_000 });
          restarted.push(unit);
        } else if (input.startInactive && state !== 'active' && state !== 'activating') {
          await host.run(`systemctl reset-failed ${shq(unit)} 2>/dev/null; systemctl restart ${shq(unit)}`, {
            timeoutMs: 120_000,
          });
          started.push(unit);
        }
        await verifyActive(host, unit);
      }
      return { restarted, started };
    },
  };
}
