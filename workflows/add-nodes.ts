// addNodes: `hakube node add --node a --node b ...`. Every node joins in its own child
// workflow (`join-<cluster>-<node>`): control-plane and etcd hosts one at a time (etcd
// membership changes one member at a time), then workers in parallel up to a limit. One failing
// node does not stop the others; the run fails at the end naming the nodes that did not join.
import { ApplicationFailure, executeChild } from '@temporalio/workflow';
import { ADD_NODES_PHASES, clusterForJoin, joinBatch, type JoinBatch } from '../cluster/plan/join';
import { workflowIdFor } from '../cluster/operations';
import { ErrorTypes } from '../cluster/errors';
import { HakubeCluster, HakubeOperation } from '../cluster/search-attributes';
import type { Cluster } from '../cluster/spec';
import { workflowNow } from './shared/clock';
import type { OperationTracker } from './shared/tracker';
import { Operation, withBodies, type OperationRun } from './shared/operation';
import { failureText } from './shared/outcome';
import { refreshHostsFiles } from './steps/hosts-file';
import { joinNode, type JoinNodeResult } from './join-node';

export interface AddNodesInput {
  cluster: Cluster;
  nodes: string[];
  /** How many workers join at once (default 5). */
  parallel?: number;
}

export interface NodeJoinOutcome {
  node: string;
  status: 'joined' | 'failed' | 'skipped';
  /** Wall time of the node's join, from its start to its end. */
  durationMs?: number;
  error?: string;
  result?: JoinNodeResult;
}

export interface AddNodesResult {
  cluster: string;
  outcomes: NodeJoinOutcome[];
}

export const DEFAULT_JOIN_PARALLEL = 5;

/** Runs `fn` over `items` with at most `limit` running at once (deterministic: a fixed queue). */
async function withLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  });
  await Promise.all(lanes);
}

async function joinOne(
  t: OperationTracker,
  phase: string,
  input: AddNodesInput,
  batch: JoinBatch,
  node: string,
): Promise<NodeJoinOutcome> {
  const started = workflowNow().getTime();
  const cluster = input.cluster.metadata.name;
  const host = input.cluster.spec.hosts.find((h) => h.name === node);
  try {
    const result = await t.step(
      phase,
      { key: `${phase}/join/${node}`, title: `join ${host?.roles.join('+') ?? ''}`, host: node },
      () =>
        executeChild(joinNode, {
          workflowId: workflowIdFor('join', cluster, node),
          args: [{ cluster: clusterForJoin(input.cluster, batch, node), node }],
          staticSummary: `join ${node} to ${cluster} (${host?.roles.join('+') ?? ''})`,
          typedSearchAttributes: [
            { key: HakubeCluster, value: cluster },
            { key: HakubeOperation, value: 'join' },
          ],
        }),
    );
    return { node, status: 'joined', durationMs: workflowNow().getTime() - started, result };
  } catch (err) {
    return { node, status: 'failed', durationMs: workflowNow().getTime() - started, error: failureText(err) };
  }
}

interface AddNodesRun extends OperationRun {
  input: AddNodesInput;
  batch: JoinBatch;
  outcomes: NodeJoinOutcome[];
}

/** A failed membership change leaves the next one to a person: the rest are skipped. */
async function joinControlPlaneHosts({ t, input, batch, outcomes }: AddNodesRun): Promise<void> {
  for (const node of batch.serial) {
    if (outcomes.some((o) => o.status === 'failed')) {
      outcomes.push({ node, status: 'skipped', error: 'an earlier control-plane join failed' });
      continue;
    }
    outcomes.push(await joinOne(t, 'control-plane', input, batch, node));
  }
}

async function joinWorkers({ t, input, batch, outcomes }: AddNodesRun): Promise<void> {
  await withLimit(batch.parallel, input.parallel ?? DEFAULT_JOIN_PARALLEL, async (node) => {
    outcomes.push(await joinOne(t, 'workers', input, batch, node));
  });
}

/** One node failing does not stop the others; the run fails at the end naming those that did not join. */
function everyNodeJoined({ input, outcomes }: AddNodesRun): void {
  const failed = outcomes.filter((o) => o.status !== 'joined');
  if (failed.length === 0) return;
  throw ApplicationFailure.create({
    type: ErrorTypes.JoinFailed,
    message: `${failed.length} of ${outcomes.length} node(s) did not join: ${failed.map((o) => `${o.node} (${o.status}: ${o.error ?? ''})`).join('; ')}`,
    details: [{ cluster: input.cluster.metadata.name, outcomes }],
    nonRetryable: true,
  });
}

const PHASES = withBodies<(typeof ADD_NODES_PHASES)[number]['name'], AddNodesRun & AddNodesInputView>(
  ADD_NODES_PHASES,
  {
    'control-plane': joinControlPlaneHosts,
    workers: joinWorkers,
    'hosts-file': (run) => refreshHostsFiles(run.t, run.cluster),
  },
);

/** What the phase declarations read (the cluster and the nodes to join). */
interface AddNodesInputView {
  cluster: Cluster;
  nodes: string[];
}

export async function addNodes(input: AddNodesInput): Promise<AddNodesResult> {
  const { cluster } = input;
  const op = new Operation<AddNodesRun & AddNodesInputView>('join', cluster.metadata.name, PHASES, {
    failureType: ErrorTypes.JoinFailed,
    conclude: everyNodeJoined,
  });
  const run = {
    t: op.t,
    input,
    cluster,
    nodes: input.nodes,
    batch: joinBatch(cluster, input.nodes),
    outcomes: [] as NodeJoinOutcome[],
  };
  await op.run(run);
  return { cluster: cluster.metadata.name, outcomes: run.outcomes };
}
