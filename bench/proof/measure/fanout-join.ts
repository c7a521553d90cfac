// One fan-out step of `bench/fanout`: grow the lab to more workers (`lab up` on the existing lab
// adds machines and rewrites its spec), then join the new ones with one addNodes run, timed.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { withResolvedBundleDir } from '../../../client/bundle-dir';
import { loadClusterOrThrow } from '../../../client/spec-file';
import type { Cluster } from '../../../cluster/spec';
import { labUp } from '../../../lab';
import type { NodeJoinOutcome, AddNodesResult } from '../../../workflows/add-nodes';
import type { LabSession } from '../../../test/helpers/lab-session';
import { withDeadline } from '../deadline';
import { percentile } from './ssh-figures';

export interface JoinRun {
  nodes: number;
  parallel: number;
  /** From start of the addNodes run to its result (includes the hosts-file refresh at the end). */
  wallSeconds: number;
  joined: number;
  /** Nodes that did not join, with why. */
  notJoined: string[];
  /** Each node's join, start to end (the addNodes result's durationMs). */
  perNodeSeconds: number[];
  meanSeconds: number;
  p50Seconds: number;
  maxSeconds: number;
  /** The node whose join took longest (its history explains the tail). */
  slowestNode?: string;
}

/** The lab grown to `workers` workers (machines already there keep running), and its spec re-read. */
export async function growLab(
  session: LabSession,
  masters: number,
  workers: number,
  log: (l: string) => void,
): Promise<Cluster> {
  const lab = await labUp({
    name: session.lab.name,
    masters,
    workers,
    onProgress: (l) => log(`[lab] ${l}`),
  });
  const failed = lab.hosts.filter((h) => h.bootState !== 'running');
  if (failed.length > 0)
    log(`note: booted not 'running': ${failed.map((h) => `${h.name}=${h.bootState ?? '?'}`).join(', ')}`);
  return withResolvedBundleDir(loadClusterOrThrow(lab.specPath).cluster);
}

/** A failed addNodes still carries every node's outcome in its failure details. */
function outcomesOf(err: unknown): NodeJoinOutcome[] | undefined {
  if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const details = err.cause.details?.[0] as { outcomes?: NodeJoinOutcome[] } | undefined;
  return details?.outcomes;
}

/** Joins `nodes` of `cluster` (the grown spec) in one addNodes run; a run with failed nodes is reported, not thrown. */
export async function joinRun(
  session: LabSession,
  cluster: Cluster,
  nodes: string[],
  parallel: number,
  deadlineMs: number,
): Promise<JoinRun> {
  const t0 = Date.now();
  const started = await session.client.startAddNodes({ cluster, nodes, parallel });
  let outcomes: NodeJoinOutcome[];
  try {
    const result = session.client.result<AddNodesResult>(started.workflowId);
    outcomes = (await withDeadline(result, deadlineMs, `join of ${nodes.length}`)).outcomes;
  } catch (err) {
    const fromFailure = outcomesOf(err);
    if (!fromFailure) throw err;
    outcomes = fromFailure;
  }
  const wallSeconds = (Date.now() - t0) / 1000;
  const joined = outcomes.filter((o) => o.status === 'joined');
  const perNodeSeconds = joined.map((o) => (o.durationMs ?? 0) / 1000).sort((a, b) => a - b);
  const n = Math.max(1, perNodeSeconds.length);
  return {
    nodes: nodes.length,
    parallel,
    wallSeconds,
    joined: joined.length,
    notJoined: outcomes
      .filter((o) => o.status !== 'joined')
      .map((o) => `${o.node}: ${o.status} ${o.error ?? ''}`),
    perNodeSeconds,
    meanSeconds: perNodeSeconds.reduce((a, b) => a + b, 0) / n,
    p50Seconds: perNodeSeconds.length ? percentile(perNodeSeconds, 50) : 0,
    maxSeconds: perNodeSeconds.length ? perNodeSeconds[perNodeSeconds.length - 1] : 0,
    slowestNode: [...joined].sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0))[0]?.node,
  };
}
