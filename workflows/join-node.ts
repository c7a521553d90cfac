// joinNode: one host joins a running cluster, the way the runbooks add a master or a worker.
// Every step is an idempotent ensure: a worker crash anywhere (also between `member add` and
// the member's start) resumes without adding anything twice.
import { ErrorTypes } from '../cluster/errors';
import { JOIN_PHASES, type JoinPhase } from '../cluster/plan/join';
import type { Cluster } from '../cluster/spec';
import { hostByName } from '../cluster/topology';
import { workflowNow } from './shared/clock';
import { Operation, withBodies } from './shared/operation';
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
  type JoinRun,
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

const PHASES = withBodies<JoinPhase, JoinRun>(JOIN_PHASES, {
  preflight: joinPreflight,
  os: joinPrepareOs,
  artifacts: joinBinaries,
  certs: joinCertificates,
  etcd: joinEtcd,
  'control-plane': joinControlPlane,
  endpoint: joinEndpoint,
  apiservers: joinApiservers,
  node: joinAsNode,
});

export async function joinNode(input: JoinNodeInput): Promise<JoinNodeResult> {
  const started = workflowNow().getTime();
  const op = new Operation<JoinRun>('join', input.cluster.metadata.name, PHASES, {
    failureType: ErrorTypes.JoinFailed,
  });
  const run: JoinRun = {
    t: op.t,
    cluster: input.cluster,
    node: hostByName(input.cluster, input.node),
    warnings: [],
  };
  await op.run(run);
  return {
    node: run.node.name,
    roles: run.node.roles,
    etcdMemberId: run.etcdMemberId,
    memberAdded: run.memberAdded,
    ready: run.ready,
    durationMs: workflowNow().getTime() - started,
    warnings: run.warnings,
  };
}
