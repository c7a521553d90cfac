// The install phases in runbook order, one short function each. Every step is one activity on
// one host, under the key and title its plan declares (cluster/plan/steps.ts).
import { patched } from '@temporalio/workflow';
import { steps } from '../../cluster/plan/steps';
import type { HostSpec } from '../../cluster/spec';
import { controlPlaneHosts, etcdHosts, nodeHosts, primaryControlPlane } from '../../cluster/topology';
import { acts, runStep, WAIT_GATE } from '../shared/activities';
import { onEachHost, oneHostAtATime } from '../shared/hosts';
import { ensureBinariesOn } from '../steps/binaries';
import { ensureCertificatesOn } from '../steps/certificates';
import { ensureNodeComponents } from '../steps/node-components';
import { evaluateGatheredFacts, gatherFactsFrom } from '../steps/preflight';
import type { InstallRun } from './context';

const on = (run: InstallRun, host: string) => ({ cluster: run.cluster, host });

export async function preflight(run: InstallRun): Promise<void> {
  const gathered = await gatherFactsFrom(run.t, run.cluster, run.cluster.spec.hosts);
  await evaluateGatheredFacts(run.t, run.cluster, gathered, run.warnings);
}

export async function prepareOs(run: InstallRun): Promise<void> {
  await onEachHost(run.cluster.spec.hosts, async (h) => {
    const r = await runStep(run.t, 'os', steps.prepareOs(h.name), acts.prepareOs, [on(run, h.name)]);
    run.t.progress.warnings.push(...r.warnings.map((w) => `${h.name}: ${w}`));
  });
}

export async function distributeBinaries(run: InstallRun): Promise<void> {
  await onEachHost(run.cluster.spec.hosts, (h) => ensureBinariesOn(run.t, run.cluster, h.name));
}

/** The CAs on the first control-plane host, then every host's certificates and kubeconfigs. */
export async function issueCertificates(run: InstallRun): Promise<void> {
  const primary = primaryControlPlane(run.cluster).name;
  await runStep(run.t, 'certs', steps.authorities(primary), acts.ensureAuthorities, [
    { cluster: run.cluster },
  ]);
  await onEachHost(run.cluster.spec.hosts, (h) => ensureCertificatesOn(run.t, run.cluster, h.name));
}

/** Recorded in runs that look whether etcd is formed first (histories before it start every member together). */
export const ETCD_ROLLS_WHEN_FORMED = 'install-restarts-formed-etcd-one-member-at-a-time';

export async function formEtcdCluster(run: InstallRun): Promise<void> {
  const members = etcdHosts(run.cluster);
  const start = (h: HostSpec, waitReady?: boolean) =>
    runStep(run.t, 'etcd', steps.startEtcdMember(h.name), acts.ensureEtcdMember, [
      { ...on(run, h.name), state: 'new', ...(waitReady ? { waitReady } : {}) },
    ]);
  // Members of a new cluster wait for each other, so all start together. On a re-run the cluster
  // is formed: a member whose unit changed (etcd's extraArgs) restarts, and restarting them all
  // at once would lose quorum — so one at a time, each ready before the next.
  const formed =
    patched(ETCD_ROLLS_WHEN_FORMED) &&
    (
      await runStep(run.t, 'etcd', steps.etcdFormed(members[0].name), acts.readEtcdFormed, [
        on(run, members[0].name),
      ])
    ).formed;
  if (formed) await oneHostAtATime(members, (h) => start(h, true));
  else await onEachHost(members, (h) => start(h));
  await runStep(
    run.t,
    'etcd',
    steps.etcdHealthy(members[0].name),
    acts.checkEtcdHealth,
    [{ ...on(run, members[0].name), expectMembers: members.length }],
    WAIT_GATE,
  );
}

export async function ensureApiEndpoint(run: InstallRun): Promise<void> {
  const cps = controlPlaneHosts(run.cluster);
  await onEachHost(cps, (h) =>
    runStep(run.t, 'endpoint', steps.haproxy(h.name), acts.ensureHaproxy, [on(run, h.name)]),
  );
  await onEachHost(cps, (h) =>
    runStep(run.t, 'endpoint', steps.keepalived(h.name), acts.ensureKeepalived, [on(run, h.name)]),
  );
  await runStep(
    run.t,
    'endpoint',
    steps.vipAnswers(cps[0].name),
    acts.checkEndpoint,
    [on(run, cps[0].name)],
    WAIT_GATE,
  );
}

/** Recorded in runs that start the first apiserver alone (histories before it start all together). */
export const FIRST_APISERVER_ALONE = 'install-starts-first-apiserver-alone';

export async function startControlPlane(run: InstallRun): Promise<void> {
  const cps = controlPlaneHosts(run.cluster);
  const primary = primaryControlPlane(run.cluster).name;
  const ensureApiserver = (h: HostSpec) =>
    runStep(run.t, 'control-plane', steps.apiserver(h.name), acts.ensureApiserver, [on(run, h.name)]);
  if (patched(FIRST_APISERVER_ALONE)) {
    // A re-run whose apiserver unit changed (a new flag in a newer hakube) restarts each
    // apiserver it touches: all at once, the endpoint would stop answering. The first one
    // restarts alone and answers its own /readyz before the others restart, so one apiserver
    // serves throughout. On a fresh install this costs one apiserver's start-up.
    const [first, ...rest] = cps;
    await ensureApiserver(first);
    await runStep(
      run.t,
      'control-plane',
      steps.ownReadyz(first.name),
      acts.checkApiserverReady,
      [{ ...on(run, first.name), local: true }],
      WAIT_GATE,
    );
    await onEachHost(rest, ensureApiserver);
  } else {
    await onEachHost(cps, ensureApiserver);
  }
  await runStep(
    run.t,
    'control-plane',
    steps.readyzThroughEndpoint(primary),
    acts.checkApiserverReady,
    [on(run, primary)],
    WAIT_GATE,
  );
  await oneHostAtATime(cps, (h) =>
    runStep(run.t, 'control-plane', steps.controllers(h.name), acts.ensureControllers, [on(run, h.name)]),
  );
  await runStep(run.t, 'control-plane', steps.bootstrapRbac(primary), acts.ensureBootstrapRbac, [
    on(run, primary),
  ]);
}

export async function joinNodes(run: InstallRun): Promise<void> {
  const nodes = nodeHosts(run.cluster);
  await onEachHost(nodes, (h) => ensureNodeComponents(run.t, 'nodes', run.cluster, h.name));
  await run.t.step('nodes', steps.nodesRegistered(), async () => {
    for (const h of nodes) {
      await acts.checkNodeRegistered.executeWithOptions(
        { ...WAIT_GATE, summary: `nodes/registered/${h.name}`, startToCloseTimeout: '1 minute' },
        [on(run, h.name)],
      );
    }
  });
}

/** Rendered from versioned templates and applied with server-side apply from the first control-plane host. */
export async function applyAddons(run: InstallRun): Promise<void> {
  const primary = primaryControlPlane(run.cluster).name;
  const r = await runStep(run.t, 'addons', steps.addons(primary), acts.applyAddons, [on(run, primary)]);
  run.t.progress.warnings.push(...r.warnings);
}
