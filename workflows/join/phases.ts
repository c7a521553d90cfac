// The phases of one node's join, in runbook order. Each is a short function; the ones that
// touch hosts already in the cluster (load balancers, apiservers) go one host at a time behind
// a health gate, so the API endpoint keeps answering throughout.
import { controlPlaneHosts, etcdHosts, primaryControlPlane } from '../../cluster/topology';
import type { Cluster, HostSpec } from '../../cluster/spec';
import { patched } from '@temporalio/workflow';
import { acts, gateOptions, runOnEach, runStep, WAIT_GATE } from '../shared/activities';
import { failureText } from '../shared/outcome';
import type { OperationTracker } from '../shared/tracker';
import { ensureBinariesOn, ensureCertificatesOn } from '../install/artifacts-and-certs';
import { ensureNodeComponents } from '../install/phases';
import { oneHostAtATime } from '../install/context';
import { evaluateGatheredFacts } from '../install/preflight';

export interface JoinContext {
  cluster: Cluster;
  node: HostSpec;
  t: OperationTracker;
  warnings: string[];
  etcdMemberId?: string;
  memberAdded?: boolean;
  ready?: string;
}

const others = (hosts: HostSpec[], node: HostSpec) => hosts.filter((h) => h.name !== node.name);

export async function joinPreflight(ctx: JoinContext): Promise<void> {
  const { cluster, node, t } = ctx;
  const primary = primaryControlPlane(cluster).name;
  await runStep(
    t,
    'preflight',
    {
      key: 'preflight/cluster-answers',
      title: 'the cluster answers /readyz through its endpoint',
      host: primary,
    },
    acts.checkApiserverReady,
    [{ cluster, host: primary }],
  );
  const facts = await runStep(
    t,
    'preflight',
    { key: `preflight/facts/${node.name}`, title: 'gather facts', host: node.name },
    acts.gatherFacts,
    [{ cluster, host: node.name }],
  );
  await evaluateGatheredFacts(t, cluster, { [node.name]: facts }, ctx.warnings, { joining: [node.name] });
}

export async function joinPrepareOs(ctx: JoinContext): Promise<void> {
  const r = await runStep(
    ctx.t,
    'os',
    {
      key: `os/prepare/${ctx.node.name}`,
      title: 'swap, sysctls, modules, limits, /etc/hosts',
      host: ctx.node.name,
    },
    acts.prepareOs,
    [{ cluster: ctx.cluster, host: ctx.node.name }],
  );
  ctx.t.progress.warnings.push(...r.warnings.map((w) => `${ctx.node.name}: ${w}`));
}

export const joinBinaries = (ctx: JoinContext) => ensureBinariesOn(ctx.t, ctx.cluster, ctx.node.name);
export const joinCertificates = (ctx: JoinContext) => ensureCertificatesOn(ctx.t, ctx.cluster, ctx.node.name);

/**
 * `member add` only if absent (found by peer URL, so a crash right after it is recovered), the
 * member started with the member list as its initial cluster, promoted once it has caught up,
 * then every member healthy.
 */
export async function joinEtcd(ctx: JoinContext): Promise<void> {
  const { cluster, node, t } = ctx;
  const via = others(etcdHosts(cluster), node).map((h) => h.name);
  const membership = { cluster, host: node.name, via };
  const added = await runStep(
    t,
    'etcd',
    {
      key: `etcd/member-add/${node.name}`,
      title: 'etcdctl member add --learner (only if absent)',
      host: via[0],
    },
    acts.ensureEtcdMemberAdded,
    [membership],
  );
  ctx.etcdMemberId = added.memberId;
  ctx.memberAdded = added.added;
  await runStep(
    t,
    'etcd',
    {
      key: `etcd/start-member/${node.name}`,
      title: 'start the member (initial-cluster-state existing)',
      host: node.name,
    },
    acts.ensureEtcdMember,
    [{ cluster, host: node.name, state: 'existing', initialCluster: added.initialCluster }],
  );
  await runStep(
    t,
    'etcd',
    { key: `etcd/promote/${node.name}`, title: 'promote the learner once it has caught up', host: via[0] },
    acts.ensureEtcdMemberPromoted,
    [membership],
  );
  await runStep(
    t,
    'etcd',
    { key: 'etcd/health', title: 'every member healthy (quorum)', host: node.name },
    acts.checkEtcdHealth,
    [{ cluster, host: node.name, expectMembers: added.members }],
    WAIT_GATE,
  );
}

export async function joinControlPlane(ctx: JoinContext): Promise<void> {
  const { cluster, node, t } = ctx;
  const on = { cluster, host: node.name };
  await runStep(
    t,
    'control-plane',
    { key: `control-plane/apiserver/${node.name}`, title: 'kube-apiserver', host: node.name },
    acts.ensureApiserver,
    [on],
  );
  await runStep(
    t,
    'control-plane',
    { key: `control-plane/readyz/${node.name}`, title: 'its own apiserver answers /readyz', host: node.name },
    acts.checkApiserverReady,
    [{ ...on, local: true }],
    WAIT_GATE,
  );
  await runStep(
    t,
    'control-plane',
    {
      key: `control-plane/controllers/${node.name}`,
      title: 'kube-controller-manager and kube-scheduler',
      host: node.name,
    },
    acts.ensureControllers,
    [on],
  );
}

/** haproxy then keepalived on every control-plane host, the new one first; the endpoint must answer after each. */
export async function joinEndpoint(ctx: JoinContext): Promise<void> {
  const { cluster, node, t } = ctx;
  const cps = [node, ...others(controlPlaneHosts(cluster), node)];
  await updateEndpointOn(t, 'endpoint', cluster, cps);
}

export async function updateEndpointOn(
  t: OperationTracker,
  phase: string,
  cluster: Cluster,
  hosts: HostSpec[],
): Promise<void> {
  const gate = primaryControlPlane(cluster).name;
  await oneHostAtATime(hosts, async (h) => {
    const on = { cluster, host: h.name };
    await runStep(
      t,
      phase,
      { key: `${phase}/haproxy/${h.name}`, title: 'haproxy backends (reload)', host: h.name },
      acts.ensureHaproxy,
      [on],
    );
    await runStep(
      t,
      phase,
      { key: `${phase}/keepalived/${h.name}`, title: 'keepalived peers (reload)', host: h.name },
      acts.ensureKeepalived,
      [on],
    );
    await runStep(
      t,
      phase,
      { key: `${phase}/answers/${h.name}`, title: 'the endpoint answers', host: gate },
      acts.checkEndpoint,
      [{ cluster, host: gate }],
      WAIT_GATE,
    );
  });
}

/**
 * The other apiservers get serving certificates naming every control-plane host and the new etcd
 * member list: one restart at a time, each gated on its /readyz.
 */
export async function joinApiservers(ctx: JoinContext): Promise<void> {
  const { cluster, node, t } = ctx;
  await rollApiservers(t, 'apiservers', cluster, others(controlPlaneHosts(cluster), node));
}

export async function rollApiservers(
  t: OperationTracker,
  phase: string,
  cluster: Cluster,
  hosts: HostSpec[],
): Promise<void> {
  await oneHostAtATime(hosts, async (h) => {
    const on = { cluster, host: h.name };
    await ensureCertificatesOn(t, cluster, h.name, phase);
    await runStep(
      t,
      phase,
      { key: `${phase}/apiserver/${h.name}`, title: 'kube-apiserver --etcd-servers', host: h.name },
      acts.ensureApiserver,
      [on],
    );
    await runStep(
      t,
      phase,
      { key: `${phase}/readyz/${h.name}`, title: 'its apiserver answers /readyz', host: h.name },
      acts.checkApiserverReady,
      [{ ...on, local: true }],
      WAIT_GATE,
    );
  });
}

/**
 * The cluster's block of /etc/hosts on every host of `cluster` (after nodes joined or left). A
 * host that is down keeps an older one: said as a warning, not fatal (nothing depends on it).
 */
export async function refreshHostsFiles(t: OperationTracker, cluster: Cluster): Promise<void> {
  await runOnEach(
    t,
    'hosts-file',
    cluster.spec.hosts,
    { key: 'hosts-file', title: "the cluster's /etc/hosts block" },
    acts.ensureHostsFile,
    (h) => ({ cluster, host: h.name }),
    { retry: { maximumAttempts: 5, initialInterval: '2 seconds' } },
  ).catch((err: unknown) => {
    t.progress.warnings.push(`/etc/hosts not refreshed everywhere: ${failureText(err)}`);
  });
}

export async function joinAsNode(ctx: JoinContext): Promise<void> {
  const { cluster, node, t } = ctx;
  await ensureNodeComponents(t, 'node', cluster, node.name);
  const r = await runStep(
    t,
    'node',
    { key: `node/registered/${node.name}`, title: 'the Node object is registered', host: node.name },
    acts.checkNodeRegistered,
    [{ cluster, host: node.name }],
    { ...WAIT_GATE, startToCloseTimeout: '1 minute' },
  );
  ctx.ready = r.ready;
  // Joins recorded before this step was added replay without it.
  if (!patched('join-approves-serving-csr')) return;
  // Its kubelet asks for a serving certificate (serverTLSBootstrap): approve it like the install's
  // add-ons step does, so logs and exec reach the new node. Not fatal: the scheduled check approves later ones.
  const primary = primaryControlPlane(cluster).name;
  await runStep(
    t,
    'node',
    {
      key: `node/serving-cert/${node.name}`,
      title: "approve its kubelet's serving certificate",
      host: primary,
    },
    acts.approveServingCsrs,
    [{ cluster, host: primary, requireFor: node.name }],
    gateOptions(2 * 60_000),
  ).catch((err: unknown) => {
    ctx.warnings.push(`${node.name}: kubelet serving certificate not approved: ${failureText(err)}`);
    t.progress.warnings.push(`${node.name}: kubelet serving certificate not approved yet`);
  });
}
