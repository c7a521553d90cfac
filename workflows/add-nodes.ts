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
import { OperationTracker } from './shared/tracker';
import { failureText } from './shared/outcome';
import { refreshHostsFiles } from './join/phases';
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

export async function addNodes(input: AddNodesInput): Promise<AddNodesResult> {
  const cluster = input.cluster;
  const t = new OperationTracker('join', cluster.metadata.name, [...ADD_NODES_PHASES]);
  const batch = joinBatch(cluster, input.nodes);
  const outcomes: NodeJoinOutcome[] = [];

  if (batch.serial.length === 0) t.skipPhase('control-plane', 'no control-plane or etcd host to join', true);
  else
    await t.phase('control-plane', async () => {
      // A failed membership change leaves the next one to a person: the rest are skipped.
      for (const node of batch.serial) {
        if (outcomes.some((o) => o.status === 'failed')) {
          outcomes.push({ node, status: 'skipped', error: 'an earlier control-plane join failed' });
          continue;
        }
        outcomes.push(await joinOne(t, 'control-plane', input, batch, node));
      }
    });

  if (batch.parallel.length === 0) t.skipPhase('workers', 'no worker to join', true);
  else
    await t.phase('workers', () =>
      withLimit(batch.parallel, input.parallel ?? DEFAULT_JOIN_PARALLEL, async (node) => {
        outcomes.push(await joinOne(t, 'workers', input, batch, node));
      }),
    );

  await t.phase('hosts-file', () => refreshHostsFiles(t, cluster));

  const failed = outcomes.filter((o) => o.status !== 'joined');
  if (failed.length > 0) {
    const message = `${failed.length} of ${outcomes.length} node(s) did not join: ${failed.map((o) => `${o.node} (${o.status}: ${o.error ?? ''})`).join('; ')}`;
    t.finish('failed', message);
    throw ApplicationFailure.create({
      type: ErrorTypes.JoinFailed,
      message,
      details: [{ cluster: cluster.metadata.name, outcomes }],
      nonRetryable: true,
    });
  }
  t.finish('completed');
  return { cluster: cluster.metadata.name, outcomes };
}
