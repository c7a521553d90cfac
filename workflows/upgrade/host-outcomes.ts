// One host's upgrade run to its end either way: done, or rolled back after a failed gate and a
// person asked what next (continue, stop, or stop and put the hosts done so far back).
import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { ErrorTypes } from '../../cluster/errors';
import { upgradeSteps } from '../../cluster/plan/upgrade';
import type { HostSpec } from '../../cluster/spec';
import { primaryControlPlane } from '../../cluster/topology';
import { undo } from '../shared/operation';
import { failureText } from '../shared/outcome';
import { rollBackHost, type HostProgress } from '../steps/host-upgrade';
import { DEFAULT_DECISION_TIMEOUT_MS, roleOf, type HostUpgrade, type UpgradeRun } from './run';

export const pendingHosts = (run: UpgradeRun, hosts: HostSpec[]) =>
  hosts.filter((h) => !run.current?.includes(h.name));

/** Runs one host's upgrade; a failure rolls it back (not cancellable) and asks what to do next. */
export async function upgradeHost(
  run: UpgradeRun,
  phase: string,
  host: HostSpec,
  body: (progress: HostProgress) => Promise<void>,
): Promise<{ host: HostSpec; error?: unknown }> {
  const progress: HostProgress = { binariesReplaced: false, cordoned: false, restarted: [] };
  const record: HostUpgrade = {
    host: host.name,
    role: roleOf(host),
    outcome: 'not-started',
    restarted: progress.restarted,
  };
  run.hosts.push(record);
  try {
    await body(progress);
    record.outcome = 'upgraded';
    return { host };
  } catch (err) {
    record.error = failureText(err);
    await undo(() => rollBackHost(run.ctx, phase, host, primaryControlPlane(run.cluster).name, progress));
    record.outcome = progress.binariesReplaced ? 'rolled-back' : 'not-started';
    if (isCancellation(err)) throw err;
    return { host, error: err };
  }
}

/** After failed gates: continue (approve), stop (reject), or stop and put the done hosts back (reject --roll-back). */
export async function decideAfterFailure(
  run: UpgradeRun,
  phase: string,
  failed: { host: HostSpec; error?: unknown }[],
) {
  const names = failed.map((f) => f.host.name).join(', ');
  const question = `The gate on ${names} failed and ${failed.length === 1 ? 'it runs' : 'they run'} the previous binaries again. Continue with the next hosts?`;
  const done = run.hosts.filter((h) => h.outcome === 'upgraded').map((h) => h.host);
  const plan = [
    ...failed.map((f) => `${f.host.name}: ${failureText(f.error)}`),
    `upgraded so far: ${done.join(', ') || 'none'}`,
    'hakube approve: continue with the next hosts (these stay on the previous version)',
    'hakube reject --reason ...: stop here',
    'hakube reject --roll-back --reason ...: put the hosts upgraded so far back on their previous binaries, then stop',
  ];
  const decision = await run.t.step(phase, upgradeSteps.decision(phase, failed[0].host.name), () =>
    run.ask(question, plan, run.input.decisionTimeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS, {
      choices: ['roll-back'],
    }),
  );
  if (decision?.approved) return;
  if (decision?.choice === 'roll-back') await undo(() => rollBackDone(run, phase));
  const rolledBack = decision?.choice === 'roll-back' ? `; rolled back: ${done.join(', ') || 'none'}` : '';
  throw ApplicationFailure.create({
    type: ErrorTypes.UpgradeFailed,
    message: decision
      ? `stopped by ${decision.by} after the gate on ${names} failed: ${decision.reason ?? ''}${rolledBack}`
      : `nobody decided within ${Math.round((run.input.decisionTimeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS) / 60_000)} minutes after the gate on ${names} failed; stopped where it was`,
    nonRetryable: true,
  });
}

/** The hosts upgraded so far, back on their previous binaries: workers first, then the control plane (skew). */
export async function rollBackDone(run: UpgradeRun, phase: string): Promise<void> {
  const via = primaryControlPlane(run.cluster).name;
  const done = run.hosts.filter((h) => h.outcome === 'upgraded').reverse();
  for (const record of done) {
    const host = run.cluster.spec.hosts.find((h) => h.name === record.host);
    if (!host) continue;
    await rollBackHost(run.ctx, phase, host, via, { binariesReplaced: true, cordoned: false, restarted: [] });
    record.outcome = 'rolled-back';
  }
}
