// The install phases after preflight, in runbook order. Each is a short function; each step is
// one activity on one host, named as in the plan (cluster/plan/install.ts).
import { controlPlaneHosts, etcdHosts, nodeHosts, primaryControlPlane } from '../../cluster/topology';
import type { Cluster } from '../../cluster/spec';
import { acts, runStep, WAIT_GATE } from '../shared/activities';
import type { OperationTracker } from '../shared/tracker';
import { oneHostAtATime, onEachHost, type InstallContext } from './context';

const on = (ctx: InstallContext, host: string) => ({ cluster: ctx.cluster, host });

export async function prepareOs(ctx: InstallContext): Promise<void> {
  await onEachHost(ctx.cluster.spec.hosts, async (h) => {
    const r = await runStep(
      ctx.tracker,
      'os',
      { key: `os/prepare/${h.name}`, title: 'swap, sysctls, modules, limits, /etc/hosts', host: h.name },
      acts.prepareOs,
      [on(ctx, h.name)],
    );
    ctx.tracker.progress.warnings.push(...r.warnings.map((w) => `${h.name}: ${w}`));
  });
}

export async function formEtcdCluster(ctx: InstallContext): Promise<void> {
  // Members of a new cluster wait for each other, so all start together; the health gate follows.
  await onEachHost(etcdHosts(ctx.cluster), (h) =>
    runStep(
      ctx.tracker,
      'etcd',
      { key: `etcd/start-member/${h.name}`, title: 'start etcd member', host: h.name },
      acts.ensureEtcdMember,
      [{ ...on(ctx, h.name), state: 'new' }],
    ),
  );
  const first = etcdHosts(ctx.cluster)[0];
  await runStep(
    ctx.tracker,
    'etcd',
    { key: 'etcd/health', title: 'every member healthy', host: first.name },
    acts.checkEtcdHealth,
    [{ ...on(ctx, first.name), expectMembers: etcdHosts(ctx.cluster).length }],
    WAIT_GATE,
  );
}

export async function ensureApiEndpoint(ctx: InstallContext): Promise<void> {
  const cps = controlPlaneHosts(ctx.cluster);
  await onEachHost(cps, (h) =>
    runStep(
      ctx.tracker,
      'endpoint',
      { key: `endpoint/haproxy/${h.name}`, title: 'haproxy frontend', host: h.name },
      acts.ensureHaproxy,
      [on(ctx, h.name)],
    ),
  );
  await onEachHost(cps, (h) =>
    runStep(
      ctx.tracker,
      'endpoint',
      { key: `endpoint/keepalived/${h.name}`, title: 'keepalived VRRP', host: h.name },
      acts.ensureKeepalived,
      [on(ctx, h.name)],
    ),
  );
  await runStep(
    ctx.tracker,
    'endpoint',
    { key: 'endpoint/vip', title: 'the VIP answers on the LB port', host: cps[0].name },
    acts.checkEndpoint,
    [on(ctx, cps[0].name)],
    WAIT_GATE,
  );
}

export async function startControlPlane(ctx: InstallContext): Promise<void> {
  const cps = controlPlaneHosts(ctx.cluster);
  const primary = primaryControlPlane(ctx.cluster).name;
  await onEachHost(cps, (h) =>
    runStep(
      ctx.tracker,
      'control-plane',
      { key: `control-plane/apiserver/${h.name}`, title: 'kube-apiserver', host: h.name },
      acts.ensureApiserver,
      [on(ctx, h.name)],
    ),
  );
  await runStep(
    ctx.tracker,
    'control-plane',
    { key: 'control-plane/readyz', title: 'apiserver /readyz through the endpoint', host: primary },
    acts.checkApiserverReady,
    [on(ctx, primary)],
    WAIT_GATE,
  );
  await oneHostAtATime(cps, (h) =>
    runStep(
      ctx.tracker,
      'control-plane',
      {
        key: `control-plane/controllers/${h.name}`,
        title: 'kube-controller-manager and kube-scheduler',
        host: h.name,
      },
      acts.ensureControllers,
      [on(ctx, h.name)],
    ),
  );
  await runStep(
    ctx.tracker,
    'control-plane',
    { key: 'control-plane/rbac', title: 'RBAC for kubelet bootstrap and CSR approval', host: primary },
    acts.ensureBootstrapRbac,
    [on(ctx, primary)],
  );
}

/** containerd, kubelet (TLS bootstrap) and kube-proxy on one host, as one step of `phase`. */
export async function ensureNodeComponents(
  tracker: OperationTracker,
  phase: string,
  cluster: Cluster,
  host: string,
): Promise<void> {
  const step = {
    key: `${phase}/join/${host}`,
    title: 'containerd, kubelet (TLS bootstrap), kube-proxy',
    host,
  };
  await tracker.step(phase, step, async () => {
    const summary = (what: string) => ({ summary: `${step.key}: ${what}` });
    const input = { cluster, host };
    await acts.ensureContainerd.executeWithOptions(
      { ...summary('containerd'), startToCloseTimeout: '5 minutes' },
      [input],
    );
    await acts.ensureKubelet.executeWithOptions({ ...summary('kubelet'), startToCloseTimeout: '5 minutes' }, [
      input,
    ]);
    await acts.ensureKubeProxy.executeWithOptions(
      { ...summary('kube-proxy'), startToCloseTimeout: '5 minutes' },
      [input],
    );
  });
}

export async function joinNodes(ctx: InstallContext): Promise<void> {
  const nodes = nodeHosts(ctx.cluster);
  await onEachHost(nodes, (h) => ensureNodeComponents(ctx.tracker, 'nodes', ctx.cluster, h.name));
  await ctx.tracker.step('nodes', { key: 'nodes/registered', title: 'every node registered' }, async () => {
    for (const h of nodes) {
      await acts.checkNodeRegistered.executeWithOptions(
        { ...WAIT_GATE, summary: `nodes/registered/${h.name}`, startToCloseTimeout: '1 minute' },
        [{ cluster: ctx.cluster, host: h.name }],
      );
    }
  });
}
