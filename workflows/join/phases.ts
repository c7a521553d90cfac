// The phases of one node's join, in runbook order. Each is a short function; the ones that
// touch hosts already in the cluster (load balancers, apiservers) go one host at a time behind
// a health gate, so the API endpoint keeps answering throughout.
import { patched } from '@temporalio/workflow';
import type { JoinPlanInput } from '../../cluster/plan/join';
import { steps } from '../../cluster/plan/steps';
import type { HostSpec } from '../../cluster/spec';
import { controlPlaneHosts, etcdHosts, primaryControlPlane } from '../../cluster/topology';
import { acts, gateOptions, runStep, WAIT_GATE } from '../shared/activities';
import type { OperationRun } from '../shared/operation';
import { failureText } from '../shared/outcome';
import { rollApiservers } from '../steps/apiservers';
import { ensureBinariesOn } from '../steps/binaries';
import { ensureCertificatesOn } from '../steps/certificates';
import { updateEndpointOn } from '../steps/endpoint';
import { ensureNodeComponents } from '../steps/node-components';
import { evaluateGatheredFacts } from '../steps/preflight';

export interface JoinRun extends OperationRun, JoinPlanInput {
  warnings: string[];
  etcdMemberId?: string;
  memberAdded?: boolean;
  ready?: string;
}

const others = (hosts: HostSpec[], node: HostSpec) => hosts.filter((h) => h.name !== node.name);

export async function joinPreflight(run: JoinRun): Promise<void> {
  const { cluster, node, t } = run;
  const primary = primaryControlPlane(cluster).name;
  await runStep(t, 'preflight', steps.clusterAnswers(primary), acts.checkApiserverReady, [
    { cluster, host: primary },
  ]);
  const facts = await runStep(t, 'preflight', steps.gatherFacts(node.name), acts.gatherFacts, [
    { cluster, host: node.name },
  ]);
  await evaluateGatheredFacts(t, cluster, { [node.name]: facts }, run.warnings, { joining: [node.name] });
}

export async function joinPrepareOs(run: JoinRun): Promise<void> {
  const r = await runStep(run.t, 'os', steps.prepareOs(run.node.name), acts.prepareOs, [
    { cluster: run.cluster, host: run.node.name },
  ]);
  run.t.progress.warnings.push(...r.warnings.map((w) => `${run.node.name}: ${w}`));
}

export const joinBinaries = (run: JoinRun) => ensureBinariesOn(run.t, run.cluster, run.node.name);
export const joinCertificates = (run: JoinRun) => ensureCertificatesOn(run.t, run.cluster, run.node.name);

/**
 * `member add` only if absent (found by peer URL, so a crash right after it is recovered), the
 * member started with the member list as its initial cluster, promoted once it has caught up,
 * then every member healthy.
 */
export async function joinEtcd(run: JoinRun): Promise<void> {
  const { cluster, node, t } = run;
  const via = others(etcdHosts(cluster), node).map((h) => h.name);
  const membership = { cluster, host: node.name, via };
  const added = await runStep(t, 'etcd', steps.etcdMemberAdd(node.name, via[0]), acts.ensureEtcdMemberAdded, [
    membership,
  ]);
  run.etcdMemberId = added.memberId;
  run.memberAdded = added.added;
  await runStep(t, 'etcd', steps.startJoiningMember(node.name), acts.ensureEtcdMember, [
    { cluster, host: node.name, state: 'existing', initialCluster: added.initialCluster },
  ]);
  await runStep(t, 'etcd', steps.etcdPromote(node.name, via[0]), acts.ensureEtcdMemberPromoted, [membership]);
  await runStep(
    t,
    'etcd',
    steps.etcdQuorum(node.name),
    acts.checkEtcdHealth,
    [{ cluster, host: node.name, expectMembers: added.members }],
    WAIT_GATE,
  );
}

export async function joinControlPlane(run: JoinRun): Promise<void> {
  const { cluster, node, t } = run;
  const on = { cluster, host: node.name };
  await runStep(t, 'control-plane', steps.apiserver(node.name), acts.ensureApiserver, [on]);
  await runStep(
    t,
    'control-plane',
    steps.ownReadyz(node.name),
    acts.checkApiserverReady,
    [{ ...on, local: true }],
    WAIT_GATE,
  );
  await runStep(t, 'control-plane', steps.controllers(node.name), acts.ensureControllers, [on]);
}

/** haproxy then keepalived on every control-plane host, the new one first; the endpoint must answer after each. */
export async function joinEndpoint(run: JoinRun): Promise<void> {
  const { cluster, node, t } = run;
  const cps = [node, ...others(controlPlaneHosts(cluster), node)];
  await updateEndpointOn(t, 'endpoint', cluster, cps);
}

/**
 * The other apiservers get serving certificates naming every control-plane host and the new etcd
 * member list: one restart at a time, each gated on its /readyz.
 */
export async function joinApiservers(run: JoinRun): Promise<void> {
  const { cluster, node, t } = run;
  await rollApiservers(t, 'apiservers', cluster, others(controlPlaneHosts(cluster), node));
}

export async function joinAsNode(run: JoinRun): Promise<void> {
  const { cluster, node, t } = run;
  await ensureNodeComponents(t, 'node', cluster, node.name);
  const r = await runStep(
    t,
    'node',
    steps.nodeRegistered(node.name),
    acts.checkNodeRegistered,
    [{ cluster, host: node.name }],
    { ...WAIT_GATE, startToCloseTimeout: '1 minute' },
  );
  run.ready = r.ready;
  // Joins recorded before this step was added replay without it.
  if (!patched('join-approves-serving-csr')) return;
  // Its kubelet asks for a serving certificate (serverTLSBootstrap): approve it like the install's
  // add-ons step does, so logs and exec reach the new node. Not fatal: the scheduled check approves later ones.
  const primary = primaryControlPlane(cluster).name;
  await runStep(
    t,
    'node',
    steps.servingCertificate(node.name, primary),
    acts.approveServingCsrs,
    [{ cluster, host: primary, requireFor: node.name }],
    gateOptions(2 * 60_000),
  ).catch((err: unknown) => {
    run.warnings.push(`${node.name}: kubelet serving certificate not approved: ${failureText(err)}`);
    t.progress.warnings.push(`${node.name}: kubelet serving certificate not approved yet`);
  });
}
