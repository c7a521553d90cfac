// resetCluster: take hakube off its hosts so that a new install starts clean. Inspect the hosts
// and show the plan; after a person's approval stop every service hakube installed, remove its
// units and move its configs and data aside to `<path>.reset-<stamp>` (never deleted) on every
// host at once; then check that nothing of it is left. The stamp is the workflow's start time,
// so a step retried after a crash moves to the same names and finds what is done.
import { ApplicationFailure } from '@temporalio/workflow';
import { ErrorTypes } from '../cluster/errors';
import {
  hostResetPlan,
  partialEtcdReset,
  resetBlockers,
  resetHosts,
  resetLeftovers,
  resetPlanLines,
  resetStamp,
  unknownHosts,
} from '../cluster/plan/reset';
import type { Decision } from '../cluster/progress';
import type { Cluster, HostSpec } from '../cluster/spec';
import type { ResetHostResult } from '../activities/host/reset-host';
import { acts, runOnEach } from './shared/activities';
import { ApprovalGate } from './shared/approval';
import { workflowNow } from './shared/clock';
import { failedPhase, failureText, notApproved, outcomeOf } from './shared/outcome';
import { OperationTracker } from './shared/tracker';

export const RESET_PHASES = [
  { name: 'plan', title: 'Inspect the hosts and make the plan' },
  { name: 'approval', title: 'Wait for approval' },
  { name: 'reset', title: 'Stop services, remove units, move data aside (hosts in parallel)' },
  { name: 'verify', title: 'Check that nothing hakube installed is left' },
];

export interface ResetInput {
  cluster: Cluster;
  /** Hosts to reset (`--node`); all hosts of the spec when empty. */
  nodes?: string[];
  /** Who approved in advance (`--yes`); without it the run waits for a decision. */
  approvedBy?: string;
  approvalTimeoutMs?: number;
}

export interface ResetResult {
  stamp: string;
  /** Per host: what was stopped and removed, and where each path was moved. */
  hosts: ResetHostResult[];
  decision?: Decision;
}

const DEFAULT_APPROVAL_TIMEOUT_MS = 30 * 60_000;

interface ResetRun {
  t: OperationTracker;
  cluster: Cluster;
  hosts: HostSpec[];
  stamp: string;
}

function failure(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

function selectHosts(input: ResetInput): HostSpec[] {
  const unknown = unknownHosts(input.cluster, input.nodes ?? []);
  if (unknown.length)
    throw failure(ErrorTypes.SpecInvalid, `no host ${unknown.join(', ')} in the spec; nothing was changed`);
  return resetHosts(input.cluster, input.nodes);
}

/**
 * Resetting some etcd members while others run: only hosts that already left the etcd cluster
 * (or whose cluster is down) may go, or the running cluster loses members it still counts on.
 */
async function etcdMembershipNotes({ t, cluster, hosts }: ResetRun): Promise<string[]> {
  const { reset, remaining } = partialEtcdReset(cluster, hosts);
  if (!reset.length || !remaining.length) return [];
  const seen = await runOnEach(
    t,
    'plan',
    remaining,
    { key: 'plan/etcd-members', title: 'is a host to reset still an etcd member?' },
    acts.etcdMembersBeforeReset,
    (h) => ({ cluster, host: h.name }),
  );
  const answered = seen.find((s) => s.answered);
  if (!answered)
    return [
      `etcd on ${remaining.map((h) => h.name).join(', ')} did not answer: could not check that ${reset.join(', ')} left the etcd cluster`,
    ];
  const still = hosts.filter(
    (h) =>
      reset.includes(h.name) &&
      answered.members.some((m) => m.name === h.name || m.peerURLs.includes(`https://${h.address}:2380`)),
  );
  if (still.length)
    throw failure(
      ErrorTypes.QuorumAtRisk,
      `${still.map((h) => h.name).join(', ')} ${still.length === 1 ? 'is' : 'are'} still a member of the running etcd cluster: ` +
        'remove it from the cluster first, or reset every etcd host; nothing was changed',
    );
  return [];
}

async function makePlan(run: ResetRun): Promise<string[]> {
  const { t, cluster, hosts, stamp } = run;
  const inspections = await runOnEach(
    t,
    'plan',
    hosts,
    { key: 'plan/inspect', title: 'which of its units run, which paths exist' },
    acts.inspectResetHost,
    (h) => ({ cluster, host: h.name, stamp }),
  );
  const blockers = hosts.flatMap((h, i) => resetBlockers(hostResetPlan(cluster, h, stamp), inspections[i]));
  if (blockers.length)
    throw failure(ErrorTypes.ResetFailed, `cannot reset: ${blockers.join('; ')}; nothing was changed`);
  const notes = await etcdMembershipNotes(run);
  return resetPlanLines(cluster, hosts, stamp, inspections, notes);
}

async function approve(gate: ApprovalGate, input: ResetInput, run: ResetRun, plan: string[]) {
  const which =
    run.hosts.length === input.cluster.spec.hosts.length
      ? `every host of ${input.cluster.metadata.name}`
      : `${run.hosts.map((h) => h.name).join(', ')} of ${input.cluster.metadata.name}`;
  const outcome = await gate.wait(
    `Reset ${which}? Every service hakube installed there stops; its data is moved aside, not deleted.`,
    plan,
    input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
    input.approvedBy,
  );
  const refused = notApproved(outcome, gate.lastDecision);
  if (refused) throw refused;
}

async function resetEach({ t, cluster, hosts, stamp }: ResetRun): Promise<ResetHostResult[]> {
  return runOnEach(
    t,
    'reset',
    hosts,
    { key: 'reset', title: 'stop, disable, remove units, move data aside' },
    acts.resetHost,
    (h) => ({ cluster, host: h.name, stamp }),
    { startToCloseTimeout: '30 minutes' },
  );
}

async function verify({ t, cluster, hosts, stamp }: ResetRun): Promise<void> {
  const seen = await runOnEach(
    t,
    'verify',
    hosts,
    { key: 'verify', title: 'no hakube unit active or installed, no path left in place' },
    acts.inspectResetHost,
    (h) => ({ cluster, host: h.name, stamp }),
  );
  const left = hosts.flatMap((h, i) => resetLeftovers(hostResetPlan(cluster, h, stamp), seen[i]));
  if (left.length) throw failure(ErrorTypes.ResetFailed, `left after the reset: ${left.join('; ')}`);
}

export async function resetCluster(input: ResetInput): Promise<ResetResult> {
  const { cluster } = input;
  const t = new OperationTracker('reset', cluster.metadata.name, RESET_PHASES);
  const gate = new ApprovalGate(t.progress, cluster.spec.approvals?.approvers);
  const stamp = resetStamp(workflowNow());
  let touched = false;
  try {
    const run: ResetRun = { t, cluster, hosts: selectHosts(input), stamp };
    const plan = await t.phase('plan', () => makePlan(run));
    await t.phase('approval', () => approve(gate, input, run, plan));
    touched = true;
    const hosts = await t.phase('reset', () => resetEach(run));
    await t.phase('verify', () => verify(run));
    t.progress.warnings.push(
      `moved aside on each host as <path>.reset-${stamp}: delete them by hand once they are no longer needed`,
    );
    t.finish('completed');
    return { stamp, hosts, decision: gate.lastDecision };
  } catch (err) {
    const message = failureText(err);
    if (!touched) {
      t.finish(outcomeOf(err), message);
      throw err;
    }
    const hint =
      `what was moved so far is at <path>.reset-${stamp} on its host; ` +
      'run hakube reset again to finish (it moves what is left with its own stamp)';
    t.progress.warnings.push(hint);
    t.finish('failed', `${message}. ${hint}`);
    throw ApplicationFailure.create({
      type: ErrorTypes.ResetFailed,
      message: `reset stopped in phase ${failedPhase(t)}: ${message}. ${hint}`,
      nonRetryable: true,
      cause: err instanceof Error ? err : undefined,
    });
  }
}
