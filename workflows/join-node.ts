// joinNode: one host joins a running cluster, the way the runbooks add a master or a worker.
// Every step is an idempotent ensure: a worker crash anywhere (also between `member add` and
// the member's start) resumes without adding anything twice.
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import { JOIN_PHASES, joinPhaseSkipped, type JoinPhase } from '../cluster/plan/join';
import type { Cluster } from '../cluster/spec';
import { hostByName } from '../cluster/topology';
import { workflowNow } from './shared/clock';
import { OperationTracker } from './shared/tracker';
import {
  joinApiservers,
  joinAsNode,
  joinBinaries,
  joinCertificates,
  joinControlPlane,
  joinEndpoint,
  joinEtcd,
  joinPreflight,
  joinPrepareOs,
  type JoinContext,
} from './join/phases';

export interface JoinNodeInput {
  /** The cluster as this join sees it (hosts that join after it are left out). */
  cluster: Cluster;
  node: string;
}

export interface JoinNodeResult {
  node: string;
  roles: string[];
  /** The etcd member (hex id), and whether this run added it (false: found from an earlier attempt). */
  etcdMemberId?: string;
  memberAdded?: boolean;
  /** The Node's Ready condition when it registered ("False" while no CNI runs). */
  ready?: string;
  durationMs: number;
  warnings: string[];
}

const RUN: Record<JoinPhase, (ctx: JoinContext) => Promise<unknown>> = {
  preflight: joinPreflight,
  os: joinPrepareOs,
  artifacts: joinBinaries,
  certs: joinCertificates,
  etcd: joinEtcd,
  'control-plane': joinControlPlane,
  endpoint: joinEndpoint,
  apiservers: joinApiservers,
  node: joinAsNode,
};

export async function joinNode(input: JoinNodeInput): Promise<JoinNodeResult> {
  const started = workflowNow().getTime();
  const t = new OperationTracker('join', input.cluster.metadata.name, [...JOIN_PHASES]);
  const ctx: JoinContext = {
    cluster: input.cluster,
    node: hostByName(input.cluster, input.node),
    t,
    warnings: [],
  };
  try {
    for (const phase of JOIN_PHASES) {
      const skipped = joinPhaseSkipped(input.cluster, ctx.node, phase.name);
      if (skipped) t.skipPhase(phase.name, skipped, true);
      else await t.phase(phase.name, () => RUN[phase.name](ctx));
    }
  } catch (err) {
    t.finish('failed', err instanceof Error ? err.message : String(err));
    throw err instanceof ApplicationFailure
      ? err
      : ApplicationFailure.create({
          message: `${workflowInfo().workflowId}: ${String(err)}`,
          cause: err as Error,
        });
  }
  t.finish('completed');
  return {
    node: ctx.node.name,
    roles: ctx.node.roles,
    etcdMemberId: ctx.etcdMemberId,
    memberAdded: ctx.memberAdded,
    ready: ctx.ready,
    durationMs: workflowNow().getTime() - started,
    warnings: ctx.warnings,
  };
}
