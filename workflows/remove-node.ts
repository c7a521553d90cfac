// removeNode: a host leaves the cluster, behind an approval. Checked first (etcd quorum), then
// drained; a control-plane host leaves the load balancers before its services stop, its etcd
// member is removed (leadership moved off it first) and the other apiservers forget it one at a
// time; finally its Node is deleted and the host itself is reset (data moved aside, never deleted).
import { ApplicationFailure } from '@temporalio/workflow';
import { ErrorTypes } from '../cluster/errors';
import {
  clusterWithout,
  REMOVE_PHASES,
  removalPlan,
  removalRefusals,
  type RemovePhase,
} from '../cluster/plan/remove';
import { resetStamp } from '../cluster/plan/reset';
import type { Decision } from '../cluster/progress';
import type { Cluster, HostSpec } from '../cluster/spec';
import { controlPlaneHosts, etcdHosts, primaryControlPlane } from '../cluster/topology';
import { acts, runStep } from './shared/activities';
import { workflowNow } from './shared/clock';
import { Operation, withBodies, type ApprovalRequest, type OperationRun } from './shared/operation';
import { rollApiservers } from './steps/apiservers';
import { updateEndpointOn } from './steps/endpoint';
import { refreshHostsFiles } from './steps/hosts-file';

export interface RemoveNodeInput {
  /** The spec that still lists the node. */
  cluster: Cluster;
  node: string;
  approvedBy?: string;
  approvalTimeoutMs?: number;
  drainTimeoutSeconds?: number;
  /** The host is down and stays down: nothing is run on it (cluster/plan/remove.ts). */
  hostDown?: boolean;
}

export interface RemoveNodeResult {
  node: string;
  stamp: string;
  etcdMemberRemoved?: string;
  movedLeaderTo?: string;
  evictedPods: string[];
  decision?: Decision;
}

const DEFAULT_DRAIN_TIMEOUT_S = 300;

interface RemoveRun extends OperationRun {
  input: RemoveNodeInput;
  cluster: Cluster;
  node: HostSpec;
  /** The cluster after the removal: what the hosts that stay are configured for. */
  rest: Cluster;
  /** A control-plane host that stays: runs kubectl and is the endpoint gate. */
  via: string;
  stamp: string;
  hostDown?: boolean;
  result: RemoveNodeResult;
}

async function check(run: RemoveRun): Promise<void> {
  const refusals = removalRefusals(run.input.cluster, run.node.name);
  if (refusals.length > 0) {
    throw ApplicationFailure.create({
      type: ErrorTypes.NodeRemovalRefused,
      message: refusals.join('; '),
      nonRetryable: true,
    });
  }
  if (!run.node.roles.includes('etcd')) return;
  const via = etcdHosts(run.rest).map((h) => h.name);
  const r = await runStep(
    run.t,
    'check',
    { key: 'check/etcd-quorum', title: 'the etcd cluster stays quorate without it', host: via[0] },
    acts.checkEtcdMemberRemoval,
    [{ cluster: run.input.cluster, host: run.node.name, via }],
  );
  if (r.problems.length > 0) {
    throw ApplicationFailure.create({
      type: ErrorTypes.QuorumAtRisk,
      message: `removing ${run.node.name} is refused: ${r.problems.join('; ')}`,
      nonRetryable: true,
    });
  }
}

function approval(run: RemoveRun): ApprovalRequest {
  const drain = run.input.drainTimeoutSeconds ?? DEFAULT_DRAIN_TIMEOUT_S;
  return {
    question: `Remove ${run.node.name} (${run.node.roles.join('+')}) from ${run.input.cluster.metadata.name}?`,
    plan: removalPlan(run.input.cluster, run.node, run.stamp, drain, run.hostDown),
  };
}

async function drain(run: RemoveRun): Promise<void> {
  const timeoutSeconds = run.input.drainTimeoutSeconds ?? DEFAULT_DRAIN_TIMEOUT_S;
  const r = await runStep(
    run.t,
    'drain',
    { key: `drain/${run.node.name}`, title: `cordon and drain (at most ${timeoutSeconds} s)`, host: run.via },
    acts.drainNode,
    [{ cluster: run.input.cluster, host: run.node.name, via: run.via, timeoutSeconds }],
    { startToCloseTimeout: `${timeoutSeconds + 120} seconds` },
  );
  run.result.evictedPods = r.evicted;
}

/** The remaining load balancers drop its backend; then its own keepalived and haproxy stop (the VIP moves if it held it). */
async function endpoint(run: RemoveRun): Promise<void> {
  await updateEndpointOn(run.t, 'endpoint', run.rest, controlPlaneHosts(run.rest));
  if (!run.hostDown)
    await runStep(
      run.t,
      'endpoint',
      { key: `endpoint/stop/${run.node.name}`, title: 'stop keepalived and haproxy', host: run.node.name },
      acts.stopServices,
      [{ cluster: run.input.cluster, host: run.node.name, units: ['keepalived', 'haproxy'] }],
    );
  await runStep(
    run.t,
    'endpoint',
    { key: 'endpoint/answers', title: 'the endpoint answers without it', host: run.via },
    acts.checkEndpoint,
    [{ cluster: run.rest, host: run.via }],
  );
}

async function controlPlane(run: RemoveRun): Promise<void> {
  await runStep(
    run.t,
    'control-plane',
    {
      key: `control-plane/stop/${run.node.name}`,
      title: 'stop scheduler, controller-manager, apiserver',
      host: run.node.name,
    },
    acts.stopServices,
    [
      {
        cluster: run.input.cluster,
        host: run.node.name,
        units: ['kube-scheduler', 'kube-controller-manager', 'kube-apiserver'],
      },
    ],
  );
}

async function etcd(run: RemoveRun): Promise<void> {
  const via = etcdHosts(run.rest).map((h) => h.name);
  const removed = await runStep(
    run.t,
    'etcd',
    {
      key: `etcd/member-remove/${run.node.name}`,
      title: 'etcdctl member remove (only if present)',
      host: via[0],
    },
    acts.ensureEtcdMemberRemoved,
    [{ cluster: run.input.cluster, host: run.node.name, via }],
  );
  run.result.etcdMemberRemoved = removed.memberId;
  run.result.movedLeaderTo = removed.movedLeaderTo;
  if (!run.hostDown)
    await runStep(
      run.t,
      'etcd',
      { key: `etcd/stop/${run.node.name}`, title: 'stop etcd', host: run.node.name },
      acts.stopServices,
      [{ cluster: run.input.cluster, host: run.node.name, units: ['etcd'] }],
    );
  await runStep(
    run.t,
    'etcd',
    { key: 'etcd/health', title: 'every remaining member healthy', host: via[0] },
    acts.checkEtcdHealth,
    [{ cluster: run.rest, host: via[0], expectMembers: etcdHosts(run.rest).length }],
  );
}

const apiservers = (run: RemoveRun) =>
  rollApiservers(run.t, 'apiservers', run.rest, controlPlaneHosts(run.rest));

async function host(run: RemoveRun): Promise<void> {
  await runStep(
    run.t,
    'host',
    { key: `host/delete-node/${run.node.name}`, title: 'kubectl delete node', host: run.via },
    acts.deleteNodeObject,
    [{ cluster: run.input.cluster, host: run.node.name, via: run.via }],
  );
  if (run.hostDown) {
    // Nothing reached it: its services still run if it comes back, and a removed etcd member or a
    // keepalived that claims the VIP must not rejoin the network before it is reset.
    run.t.progress.warnings.push(
      `${run.node.name} was down and is not reset: keep it off the network until ` +
        `\`hakube reset -f <a spec that still lists it> --node ${run.node.name}\` has run on it`,
    );
    return;
  }
  await runStep(
    run.t,
    'host',
    {
      key: `host/reset/${run.node.name}`,
      title: 'stop its services, move its data aside',
      host: run.node.name,
    },
    acts.resetHost,
    [{ cluster: run.input.cluster, host: run.node.name, stamp: run.stamp }],
  );
}

const hostsFile = (run: RemoveRun) => refreshHostsFiles(run.t, run.rest);

const PHASES = withBodies<RemovePhase, RemoveRun>(REMOVE_PHASES, {
  check,
  approval: { approve: approval },
  drain,
  endpoint,
  'control-plane': controlPlane,
  etcd,
  apiservers,
  host,
  'hosts-file': hostsFile,
});

export async function removeNode(input: RemoveNodeInput): Promise<RemoveNodeResult> {
  const op = new Operation<RemoveRun>(
    'remove',
    input.cluster.metadata.name,
    PHASES,
    { failureType: ErrorTypes.RemoveFailed },
    input.cluster.spec.approvals?.approvers,
  );
  const rest = clusterWithout(input.cluster, input.node);
  const stamp = resetStamp(workflowNow());
  const run: RemoveRun = {
    t: op.t,
    input,
    cluster: input.cluster,
    // A name that is no host is refused by the first phase (check); until then it stands as a worker.
    node: input.cluster.spec.hosts.find((h) => h.name === input.node) ?? {
      name: input.node,
      address: '',
      roles: ['worker'],
    },
    rest,
    via: primaryControlPlane(rest)?.name ?? '',
    stamp,
    hostDown: input.hostDown,
    result: { node: input.node, stamp, evictedPods: [] },
  };
  await op.run(run, input);
  run.result.decision = op.decision;
  return run.result;
}
