// Reset of one host as an idempotent ensure (cluster/plan/reset.ts says what): stop hakube's
// units in order (pods removed and containerd-shims ended before containerd goes), disable them,
// remove the cluster's network state (iptables chains, interfaces, IPVS servers: reset-network.ts),
// remove hakube's own unit files, unmount what is mounted below the paths to move, and rename
// each path to `<path>.reset-<stamp>` unless that name is taken. Nothing is deleted; a retry
// after a crash finds what is done (the stamp is the workflow's, so the names are the same).
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from '../../cluster/errors';
import { BIN_DIR } from '../../cluster/layout';
import {
  HAKUBE_UNIT_MARK,
  hostResetPlan,
  isRunning,
  mountsBelow,
  parseInspection,
  parseMountPoints,
  resetBlockers,
  type HostResetPlan,
  type ResetInspection,
  type ResetMove,
} from '../../cluster/plan/reset';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { reportProgress } from '../liveness';
import type { Host } from '../ssh';
import { shq } from '../ssh/shell';
import { readMemberList } from '../etcd/read-cluster';
import { stopUnit, unitState } from './ensure-service';
import { inspectNetwork, resetNetwork, type NetworkResetDone } from './reset-network';

export interface ResetHostInput extends HostInput {
  /** The reset's stamp (from the workflow's start): the suffix of every path moved aside. */
  stamp: string;
}

export interface MovedPath {
  from: string;
  to: string;
  what: string;
}

export interface ResetHostResult {
  host: string;
  /** Units this attempt found running and stopped. */
  stopped: string[];
  disabled: string[];
  removedUnitFiles: string[];
  /** Files at hakube's unit paths that hakube did not write. */
  keptUnitFiles: string[];
  /** Pod sandboxes stopped and removed, containerd-shim processes ended. */
  pods: number;
  shims: number;
  unmounted: string[];
  /** Pod network interfaces deleted (by this attempt). */
  deletedLinks?: string[];
  /** The cluster's iptables chains, interfaces and IPVS servers removed (by this attempt). */
  network?: NetworkResetDone;
  /** Every path of the plan now at its `.reset-<stamp>` name (by this attempt or an earlier one). */
  moved: MovedPath[];
  notes: string[];
}

export interface EtcdMembersSeen {
  /** The member asked answered (etcd up, quorum there). */
  answered: boolean;
  members: { name: string; peerURLs: string[] }[];
  error?: string;
}

const SHIM = 'containerd-shim'; // the process name of containerd-shim-runc-v2 (15 characters)
const exists = (p: string) => `{ [ -e ${shq(p)} ] || [ -L ${shq(p)} ]; }`;

function resetFailed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ErrorTypes.ResetFailed, message, nonRetryable: true });
}

/** Prints the facts parseInspection reads; changes nothing. */
export function inspectionScript(plan: HostResetPlan): string {
  const units = plan.units.map((u) => shq(u.unit)).join(' ');
  const lines = [
    `for u in ${units}; do printf 'unit %s %s %s\\n' "$u" "$(systemctl is-active "$u" 2>/dev/null)" "$(systemctl is-enabled "$u" 2>/dev/null)"; done`,
    ...plan.unitFiles.map(
      (f) =>
        `if [ -e ${shq(f)} ]; then if grep -qF ${shq(HAKUBE_UNIT_MARK)} ${shq(f)}; then echo ${shq(`unitfile ${f}`)}; else echo ${shq(`foreign ${f}`)}; fi; fi`,
    ),
    ...plan.moves.flatMap((m) => [
      `if ${exists(m.path)}; then echo ${shq(`present ${m.path}`)}; fi`,
      `if ${exists(m.aside)}; then echo ${shq(`aside ${m.aside}`)}; fi`,
    ]),
    'true',
  ];
  return lines.join('\n');
}

/** Renames the path unless its aside name is taken; prints moved, done (earlier), absent or conflict. */
export function moveAsideCommand(m: ResetMove): string {
  return [
    `if ${exists(m.path)}; then`,
    `  if ${exists(m.aside)}; then echo conflict; else mv -T -- ${shq(m.path)} ${shq(m.aside)} && echo moved; fi`,
    `elif ${exists(m.aside)}; then echo done; else echo absent; fi`,
  ].join('\n');
}

async function inspect(host: Host, plan: HostResetPlan): Promise<ResetInspection> {
  const facts = await host.run(inspectionScript(plan), { timeoutMs: 60_000 });
  const mountinfo = await host.run('cat /proc/self/mountinfo');
  const seen = parseInspection(plan, facts.stdout, mountinfo.stdout);
  return plan.network ? { ...seen, network: await inspectNetwork(host, plan.network) } : seen;
}

async function mountPoints(host: Host): Promise<string[]> {
  return parseMountPoints((await host.run('cat /proc/self/mountinfo')).stdout);
}

class HostReset {
  readonly result: ResetHostResult;

  constructor(
    private readonly host: Host,
    private readonly plan: HostResetPlan,
  ) {
    this.result = {
      host: plan.host,
      stopped: [],
      disabled: [],
      removedUnitFiles: [],
      keptUnitFiles: [],
      pods: 0,
      shims: 0,
      unmounted: [],
      moved: [],
      notes: [],
    };
  }

  private say(output: string): void {
    reportProgress({ step: `reset/${this.plan.host}`, output });
  }

  async stopUnits(): Promise<void> {
    for (const { unit } of this.plan.units) {
      if (unit === 'containerd' && this.plan.removePods) await this.removePods();
      // Stopping a unit that is not running is a no-op: only running ones count as stopped.
      const { before, after } = await stopUnit(this.host, unit, (line) => this.say(line));
      if (isRunning(before)) this.result.stopped.push(unit);
      if (isRunning(after))
        throw new Error(`${this.plan.host}: ${unit} is still ${after} after systemctl stop`);
      if (unit === 'containerd') await this.endShims();
    }
  }

  /** With kubelet stopped nothing restarts them: stop and remove every pod sandbox while containerd runs. */
  private async removePods(): Promise<void> {
    if (!isRunning(await unitState(this.host, 'containerd'))) return;
    const crictl = `${BIN_DIR}/crictl`;
    const list = await this.host.exec(`${crictl} pods -q`, { timeoutMs: 60_000 });
    if (list.exitCode !== 0) {
      this.result.notes.push(
        `crictl pods failed (${list.stderr.trim().slice(0, 200)}); containers end with their shims`,
      );
      return;
    }
    const ids = list.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (!ids.length) return;
    this.say(`crictl stopp / rmp ${ids.length} pod sandboxes`);
    const r = await this.host.exec(`${crictl} stopp ${ids.join(' ')}; ${crictl} rmp -f ${ids.join(' ')}`, {
      timeoutMs: 300_000,
    });
    if (r.exitCode !== 0)
      this.result.notes.push(
        `crictl rmp: ${(r.stderr || r.stdout).trim().slice(0, 200)}; containers end with their shims`,
      );
    this.result.pods = ids.length;
  }

  /** containerd stops with KillMode=process: its shims (and any container left) outlive it. */
  private async endShims(): Promise<void> {
    const count = async () => Number((await this.host.exec(`pgrep -x ${SHIM} | wc -l`)).stdout.trim()) || 0;
    const n = await count();
    if (!n) return;
    this.say(`ending ${n} ${SHIM} processes`);
    await this.host.exec(
      `pkill -TERM -x ${SHIM}; for i in 1 2 3 4 5 6 7 8 9 10; do pgrep -x ${SHIM} >/dev/null || exit 0; sleep 1; done; pkill -KILL -x ${SHIM}; sleep 1`,
      { timeoutMs: 60_000 },
    );
    const left = await count();
    if (left) throw new Error(`${this.plan.host}: ${left} ${SHIM} processes still run after SIGKILL`);
    this.result.shims = n;
  }

  /**
   * Removes the cluster's iptables chains, interfaces, IPVS servers and loopback address, after
   * kube-proxy, the pods (flannel, calico) and containerd are gone: nothing writes them again.
   */
  async removeNetworkState(): Promise<void> {
    if (!this.plan.network) return;
    const done = await resetNetwork(this.host, this.plan.network, (line) => this.say(line));
    this.result.network = done;
    if (done.deletedLinks.length) this.result.deletedLinks = [...done.deletedLinks];
    this.result.notes.push(...done.notes);
  }

  async removeUnits(): Promise<void> {
    for (const { unit } of this.plan.units) {
      const enabled = (await this.host.exec(`systemctl is-enabled ${shq(unit)} 2>/dev/null`)).stdout.trim();
      if (enabled !== 'enabled' && enabled !== 'enabled-runtime') continue;
      await this.host.run(`systemctl disable ${shq(unit)} 2>&1`);
      this.result.disabled.push(unit);
    }
    for (const file of this.plan.unitFiles) {
      const text = (await this.host.readFile(file))?.toString('utf8');
      if (text === undefined) continue;
      if (!text.includes(HAKUBE_UNIT_MARK)) {
        this.result.keptUnitFiles.push(file);
        this.result.notes.push(`${file} was not written by hakube: kept`);
        continue;
      }
      await this.host.run(`rm -f -- ${shq(file)}`);
      this.result.removedUnitFiles.push(file);
    }
    if (this.result.removedUnitFiles.length) await this.host.run('systemctl daemon-reload');
    const units = this.plan.units.map((u) => shq(u.unit)).join(' ');
    await this.host.exec(`systemctl reset-failed ${units} 2>/dev/null`);
  }

  /** Whatever kubelet left mounted below a path (volumes, secrets) keeps it busy: unmount, deepest first. */
  async unmountBelow(): Promise<void> {
    const below = (mounts: string[]) => this.plan.moves.flatMap((m) => mountsBelow(mounts, m.path));
    for (const mount of below(await mountPoints(this.host))) {
      this.say(`umount ${mount}`);
      await this.host.exec(`umount -- ${shq(mount)} 2>/dev/null || umount -l -- ${shq(mount)}`, {
        timeoutMs: 60_000,
      });
      this.result.unmounted.push(mount);
    }
    const left = below(await mountPoints(this.host));
    if (left.length) throw new Error(`${this.plan.host}: still mounted after umount: ${left.join(', ')}`);
  }

  async moveAside(): Promise<void> {
    for (const m of this.plan.moves) {
      const r = await this.host.run(moveAsideCommand(m));
      const outcome = r.stdout.trim();
      if (outcome === 'conflict')
        throw resetFailed(
          `${this.plan.host}: ${m.path} is there again although ${m.aside} exists (did something recreate it?)`,
        );
      if (outcome === 'moved') this.say(`moved ${m.path} to ${m.aside}`);
      if (outcome === 'moved' || outcome === 'done')
        this.result.moved.push({ from: m.path, to: m.aside, what: m.what });
    }
  }
}

export function createResetActivities(deps: { hosts: HostProvider }) {
  return {
    /** Read-only: which of the plan's units run, unit files and paths exist, and what is mounted. */
    async inspectResetHost(input: ResetHostInput): Promise<ResetInspection> {
      const { spec, host } = resolveHost(deps.hosts, input);
      return inspect(host, hostResetPlan(input.cluster, spec, input.stamp));
    },

    /** Stops, disables and removes what hakube installed on the host, and moves its data aside. */
    async resetHost(input: ResetHostInput): Promise<ResetHostResult> {
      const { spec, host } = resolveHost(deps.hosts, input);
      const plan = hostResetPlan(input.cluster, spec, input.stamp);
      const blockers = resetBlockers(plan, await inspect(host, plan));
      if (blockers.length) throw resetFailed(blockers.join('; '));
      const reset = new HostReset(host, plan);
      await reset.stopUnits();
      await reset.removeNetworkState();
      await reset.removeUnits();
      await reset.unmountBelow();
      await reset.moveAside();
      return reset.result;
    },

    /**
     * The etcd members as the member on `host` sees them. Neither etcd nor the host answering is
     * a result, not an error: a reset is often wanted because the rest of the cluster is down.
     */
    async etcdMembersBeforeReset(input: HostInput): Promise<EtcdMembersSeen> {
      const { host } = resolveHost(deps.hosts, input);
      try {
        const list = await readMemberList(host);
        if (!list.ok) return { answered: false, members: [], error: list.error.slice(0, 300) };
        const members = list.members.map((m) => ({ name: m.name, peerURLs: m.peerURLs }));
        return { answered: true, members };
      } catch (err) {
        return { answered: false, members: [], error: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}
