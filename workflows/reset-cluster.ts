// resetCluster: take hakube off its hosts so that a new install starts clean. Inspect the hosts
// and show the plan; after a person's approval stop every service hakube installed, remove its
// units and move its configs and data aside to `<path>.reset-<stamp>` (never deleted) on every
// host at once; then check that nothing of it is left. The stamp is the workflow's start time,
// so a step retried after a crash moves to the same names and finds what is done.
import { ApplicationFailure } from '@temporalio/workflow';
import { ErrorTypes } from '../cluster/errors';
import {
  RESET_PHASES,
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
import { workflowNow } from './shared/clock';
import { Operation, withBodies, type ApprovalRequest, type OperationRun } from './shared/operation';

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

interface ResetRun extends OperationRun {
  input: ResetInput;
  cluster: Cluster;
  hosts: HostSpec[];
  stamp: string;
  /** The plan a person approves, made by the first phase. */
  plan: string[];
  results: ResetHostResult[];
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

async function makePlan(run: ResetRun): Promise<void> {
  const { t, cluster, input, stamp } = run;
  run.hosts = selectHosts(input);
  const inspections = await runOnEach(
    t,
    'plan',
    run.hosts,
    { key: 'plan/inspect', title: 'which of its units run, which paths exist' },
    acts.inspectResetHost,
    (h) => ({ cluster, host: h.name, stamp }),
  );
  const blockers = run.hosts.flatMap((h, i) =>
    resetBlockers(hostResetPlan(cluster, h, stamp), inspections[i]),
  );
  if (blockers.length)
    throw failure(ErrorTypes.ResetFailed, `cannot reset: ${blockers.join('; ')}; nothing was changed`);
  const notes = await etcdMembershipNotes(run);
  run.plan = resetPlanLines(cluster, run.hosts, stamp, inspections, notes);
}

function approval({ input, hosts, plan }: ResetRun): ApprovalRequest {
  const which =
    hosts.length === input.cluster.spec.hosts.length
      ? `every host of ${input.cluster.metadata.name}`
      : `${hosts.map((h) => h.name).join(', ')} of ${input.cluster.metadata.name}`;
  return {
    question: `Reset ${which}? Every service hakube installed there stops; its data is moved aside, not deleted.`,
    plan,
  };
}

async function resetEach(run: ResetRun): Promise<void> {
  const { t, cluster, hosts, stamp } = run;
  run.results = await runOnEach(
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

const PHASES = withBodies<(typeof RESET_PHASES)[number]['name'], ResetRun>(
  RESET_PHASES,
  { plan: makePlan, approval: { approve: approval }, reset: resetEach, verify },
  'reset',
);

export async function resetCluster(input: ResetInput): Promise<ResetResult> {
  const { cluster } = input;
  const op = new Operation<ResetRun>(
    'reset',
    cluster.metadata.name,
    PHASES,
    {
      failureType: ErrorTypes.ResetFailed,
      afterChanges: ({ stamp }) =>
        `what was moved so far is at <path>.reset-${stamp} on its host; ` +
        'run hakube reset again to finish (it moves what is left with its own stamp)',
      conclude: ({ t, stamp }) =>
        t.progress.warnings.push(
          `moved aside on each host as <path>.reset-${stamp}: delete them by hand once they are no longer needed`,
        ),
    },
    cluster.spec.approvals?.approvers,
  );
  const stamp = resetStamp(workflowNow());
  const run: ResetRun = { t: op.t, input, cluster, hosts: [], stamp, plan: [], results: [] };
  await op.run(run, input);
  return { stamp, hosts: run.results, decision: op.decision };
}
