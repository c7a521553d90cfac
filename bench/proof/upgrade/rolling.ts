// upgrade/rolling: a lab installed at the previous minor, a workload behind a NodePort and a
// PodDisruptionBudget, then `hakube upgrade` to the lab's version while this process probes the
// Service through every node and /readyz through the VIP. The worker process is SIGKILLed twice
// (control-plane phase, workers phase). worker-2's new kubelet is kept from starting (a systemd
// drop-in): its gate fails, it is rolled back, the upgrade waits, is told to continue, and
// completes with worker-2 left behind. With the fault gone, a second run upgrades only worker-2,
// and a third changes nothing.
import { realpathSync } from 'node:fs';
import { latestBundleLink } from '../../../activities/bundle/build';
import { hakubeCache } from '../../../client/paths';
import { DEFAULT_ARCH } from '../../../cluster/bundle';
import type { OperationProgress } from '../../../cluster/progress';
import { killWorker } from '../../../test/helpers/worker-process';
import type { LabSession } from '../../../test/helpers/lab-session';
import { openLabSession } from '../../../test/helpers/lab-session';
import { eventually } from '../../../test/helpers/temporal';
import { LAB_KUBERNETES_VERSION } from '../../../lab/spec';
import type { UpgradeInput, UpgradeResult } from '../../../workflows/upgrade-cluster';
import { withDeadline } from '../deadline';
import {
  allPhasesDone,
  inFlight,
  installResult,
  seconds,
  stepOf,
  waitForProgress,
  type Log,
} from '../faults/common';
import { resumed } from '../faults/worker-kills';
import type { ProofScenario } from '../scenario';
import {
  apiserverVersions,
  failKubeletAt,
  hostSeconds,
  nodeStates,
  REMOVE_FAIL_DROP_IN,
  type NodeState,
} from './checks';
import { apiProbe, serviceProbe, type ProbeFigures } from './probes';
import { deployWorkload, WORKLOAD_NS } from './workload';
import { kubectl } from '../../../activities/controlplane/control-plane';

const FROM = 'v1.36.3';
const TO = LAB_KUBERNETES_VERSION;
const FAILING = 'worker-2';
const RUN_TIMEOUT_MS = 60 * 60_000;

interface Kill {
  label: string;
  atS: number;
  phase?: string;
  cutShort: string[];
  resumeS?: number;
  resumedWith?: string;
}

interface UpgradeRun {
  seconds: number;
  result: UpgradeResult;
  outcomes: Record<string, string>;
  hostSeconds: Record<string, number>;
  /** Phases that ran (neither skipped nor pending). */
  phasesRun: string[];
  warnings: string[];
  service?: ProbeFigures;
  api?: ProbeFigures;
  /** GET /version through the VIP: a draining apiserver fails /readyz but still serves this. */
  apiVersion?: ProbeFigures;
  /** Each failed probe request with the upgrade's steps running at that moment (from the progress). */
  failedDuring?: { probe: string; at: string; target: string; detail: string; steps: string[] }[];
}

/** The steps of `p` running at `at` (started, and not ended before it). */
function stepsAt(p: OperationProgress, at: string): string[] {
  const t = Date.parse(at);
  return p.phases.flatMap((ph) =>
    ph.steps
      .filter(
        (st) => st.startedAt && Date.parse(st.startedAt) <= t && (!st.endedAt || Date.parse(st.endedAt) >= t),
      )
      .map((st) => st.key),
  );
}

const outcomes = (r: UpgradeResult) => Object.fromEntries(r.hosts.map((h) => [h.host, h.outcome]));

async function killAt(s: LabSession, workflowId: string, label: string, t0: number, log: Log): Promise<Kill> {
  const phase = (await s.client.progress(workflowId)).phase;
  await killWorker(s.worker());
  const atS = seconds(Date.now() - t0);
  // With the worker dead, the server's started activities are exactly the attempts it lost.
  const lost = (await inFlight(s, workflowId)).filter((a) => a.started).map((a) => a.step);
  await s.restartWorker(2000);
  const next = await resumed(s, workflowId, Date.now());
  const kill: Kill = { label, atS, phase, cutShort: lost };
  if (next !== 'ended') Object.assign(kill, { resumeS: seconds(next.ms), resumedWith: next.step });
  log(
    `kill (${label}) at ${atS} s in phase ${phase}; cut short: ${lost.join(', ') || 'none'}; resumed after ${kill.resumeS ?? '-'} s with ${kill.resumedWith ?? '(ended)'}`,
  );
  return kill;
}

async function finished(
  s: LabSession,
  workflowId: string,
  t0: number,
  log: Log,
  probes?: ReturnType<typeof startProbes>,
) {
  let result: UpgradeResult;
  try {
    result = await withDeadline(s.client.result<UpgradeResult>(workflowId), RUN_TIMEOUT_MS, workflowId);
  } catch (err) {
    // The failed steps say more than the workflow's failure.
    const p = await s.client.progress(workflowId).catch(() => undefined);
    const failedSteps = p?.phases.flatMap((x) => x.steps.filter((st) => st.status === 'failed'));
    log(`${workflowId} failed: ${(err as Error).message}; failed steps: ${JSON.stringify(failedSteps)}`);
    if (probes) log(`probes: ${JSON.stringify(await probes.stop())}`);
    throw err;
  }
  const secs = seconds(Date.now() - t0);
  const p: OperationProgress = await s.client.progress(workflowId);
  const run: UpgradeRun = {
    seconds: secs,
    result,
    outcomes: outcomes(result),
    hostSeconds: hostSeconds(p),
    phasesRun: p.phases.filter((x) => x.status === 'done' || x.status === 'failed').map((x) => x.name),
    warnings: p.warnings,
  };
  if (probes) {
    const figures = await probes.stop();
    Object.assign(run, figures);
    run.failedDuring = Object.entries(figures).flatMap(([probe, f]) =>
      f.failures.map((x) => ({ probe, ...x, steps: stepsAt(p, x.at) })),
    );
  }
  return run;
}

let probeTargets: { nodes: Record<string, string>; nodePort: number; vip: string; port: number; ca: string };

function startProbes() {
  const t = probeTargets;
  const service = serviceProbe(t.nodes, t.nodePort);
  const api = apiProbe(t.vip, t.port, t.ca);
  const apiVersion = apiProbe(t.vip, t.port, t.ca, '/version');
  return {
    stop: async () => ({
      service: await service.stop(),
      api: await api.stop(),
      apiVersion: await apiVersion.stop(),
    }),
  };
}

const probeLine = (r: UpgradeRun) =>
  `service ${r.service?.failed}/${r.service?.requests} failed ${JSON.stringify(r.service?.failedPer)}, API requests (/version) ${r.apiVersion?.availabilityPct}% served (${r.apiVersion?.failed}/${r.apiVersion?.requests} failed), /readyz ${r.api?.availabilityPct}% ok (${r.api?.failed}/${r.api?.requests} not)`;

/** Waits until every node answers through the NodePort: kube-proxy programs it asynchronously. */
async function servicePrograms(nodes: Record<string, string>, nodePort: number): Promise<void> {
  for (const name of Object.keys(nodes)) {
    await eventually(
      async () => {
        const probe = serviceProbe({ [name]: nodes[name] }, nodePort);
        await new Promise((r) => setTimeout(r, 250));
        const f = await probe.stop();
        return f.requests > 0 && f.failed === 0 ? true : undefined;
      },
      120_000,
      `the NodePort answering on ${name}`,
      1000,
    );
  }
}

async function firstRun(s: LabSession, input: UpgradeInput, log: Log) {
  const t0 = Date.now();
  const probes = startProbes();
  const { workflowId } = await s.client.startUpgrade(input);
  log(`upgrade ${workflowId} started`);
  const kills: Kill[] = [];
  await waitForProgress(
    s,
    workflowId,
    'the 2nd control-plane host started',
    (p) => p.status !== 'running' || stepOf(p, 'control-plane/keep/master-2') !== undefined,
    RUN_TIMEOUT_MS,
  );
  await new Promise((r) => setTimeout(r, 3000));
  kills.push(await killAt(s, workflowId, 'control-plane, master-2', t0, log));
  await waitForProgress(
    s,
    workflowId,
    "worker-1's binaries going up",
    (p) => p.status !== 'running' || stepOf(p, 'workers/binaries/worker-1') !== undefined,
    RUN_TIMEOUT_MS,
  );
  kills.push(await killAt(s, workflowId, 'workers, worker-1', t0, log));
  const waiting = await waitForProgress(
    s,
    workflowId,
    `a decision asked for after ${FAILING}'s gate`,
    (p) => p.status !== 'running',
    RUN_TIMEOUT_MS,
  );
  log(`status ${waiting.status}: ${waiting.waiting?.question ?? waiting.error ?? ''}`);
  const afterRollback = (await nodeStates(s.on('master-1'))).find((n) => n.name === FAILING);
  const kubelet = (await s.on(FAILING).exec('/usr/local/bin/kubelet --version')).stdout.trim();
  const decision = { by: 'proof', reason: `continue without ${FAILING}` };
  if (waiting.status === 'waiting-for-approval')
    await s.client.decide(workflowId, { approve: true, ...decision });
  const run = await finished(s, workflowId, t0, log, probes);
  log(`run 1: ${JSON.stringify(run.outcomes)} in ${run.seconds} s; ${probeLine(run)}`);
  return {
    workflowId,
    run,
    kills,
    gate: {
      status: waiting.status,
      question: waiting.waiting?.question,
      choices: waiting.waiting?.choices ?? [],
      node: afterRollback,
      kubeletBinary: kubelet,
      decided: waiting.status === 'waiting-for-approval' ? decision : undefined,
    },
  };
}

async function laterRun(s: LabSession, input: UpgradeInput, label: string, log: Log, probe: boolean) {
  const t0 = Date.now();
  const probes = probe ? startProbes() : undefined;
  const { workflowId } = await s.client.startUpgrade(input);
  const run = await finished(s, workflowId, t0, log, probes);
  log(
    `${label}: ${JSON.stringify(run.outcomes)}, phases run ${run.phasesRun.join(',')} in ${run.seconds} s${probe ? `; ${probeLine(run)}` : ''}`,
  );
  return run;
}

const allAt = (nodes: NodeState[], v: string) =>
  nodes.length > 0 && nodes.every((n) => n.ready && n.kubeletVersion === v && !n.unschedulable);

async function scenario(s: LabSession, log: Log) {
  const tInstall = Date.now();
  const { workflowId: installId } = await s.client.startInstall({ cluster: s.cluster });
  const installed = await installResult(s, installId);
  if (!allPhasesDone(installed)) throw new Error(`the install at ${FROM} did not complete every phase`);
  const installS = seconds(Date.now() - tInstall);
  log(`installed at ${FROM} in ${installS} s`);
  const m1 = s.on('master-1');
  const nodePort = await deployWorkload(m1, s.cluster.spec.artifacts.bundleDir as string);
  const nodes = Object.fromEntries(s.lab.hosts.map((h) => [h.name, h.address]));
  const ca = (await m1.run('cat /etc/kubernetes/pki/ca.crt')).stdout;
  probeTargets = {
    nodes,
    nodePort,
    vip: s.lab.vip,
    port: s.cluster.spec.controlPlaneEndpoint.port ?? 16443,
    ca,
  };
  await servicePrograms(nodes, nodePort);
  await s.on(FAILING).run(failKubeletAt(TO));
  // Where the Service's pods run: a failure of the Service probe reads against it.
  const placement = (
    await m1.run(
      kubectl(
        `-n ${WORKLOAD_NS} get pods -o jsonpath='{range .items[*]}{.metadata.name}={.spec.nodeName} {end}'`,
      ),
    )
  ).stdout.trim();
  log(
    `workload up (NodePort ${nodePort}, pods ${placement}); ${FAILING}'s kubelet kept from starting at ${TO}`,
  );

  const input: UpgradeInput = {
    cluster: s.cluster,
    to: TO,
    bundleDir: realpathSync(latestBundleLink(hakubeCache(), TO, DEFAULT_ARCH)),
    approvedBy: 'hakube-proof',
    waveSize: 1,
    healthTimeoutMs: 3 * 60_000,
  };
  const first = await firstRun(s, input, log);
  const afterFirst = await nodeStates(m1);

  await s.on(FAILING).run(REMOVE_FAIL_DROP_IN);
  const second = await laterRun(s, input, 'run 2', log, true);
  const nodesAfter = await nodeStates(m1);
  const apiservers = await apiserverVersions(s.cluster, (h) => s.on(h));
  const third = await laterRun(s, input, 'run 3', log, false);
  return { installS, nodePort, first, afterFirst, second, nodesAfter, apiservers, third };
}

type Outcome = Awaited<ReturnType<typeof scenario>>;

function judge(o: Outcome): Record<string, boolean> {
  const r1 = o.first.run;
  const masters = Object.keys(o.apiservers);
  const others = Object.keys(o.second.outcomes).filter((h) => h !== FAILING);
  return {
    firstCompleted: r1.result.to === TO && Boolean(r1.result.snapshot?.id),
    twoKills: o.first.kills.length === 2,
    gateAsked: o.first.gate.status === 'waiting-for-approval' && o.first.gate.choices.includes('roll-back'),
    rolledBackReady:
      o.first.gate.kubeletBinary.includes(FROM) &&
      o.first.gate.node?.ready === true &&
      o.first.gate.node.kubeletVersion === FROM,
    firstOutcomes:
      r1.outcomes[FAILING] === 'rolled-back' &&
      Object.entries(r1.outcomes).every(([h, x]) => h === FAILING || x === 'upgraded') &&
      r1.warnings.some((w) => w.includes(FAILING)),
    failingUncordoned: o.afterFirst.find((n) => n.name === FAILING)?.unschedulable === false,
    secondOnlyFailing:
      o.second.outcomes[FAILING] === 'upgraded' && others.every((h) => o.second.outcomes[h] === 'current'),
    everyNodeAtTarget: allAt(o.nodesAfter, TO) && o.nodesAfter.length === 5,
    apiserversAtTarget: masters.length === 3 && masters.every((m) => o.apiservers[m] === TO),
    thirdNoop:
      Object.values(o.third.outcomes).every((x) => x === 'current') &&
      !o.third.phasesRun.includes('control-plane') &&
      !o.third.phasesRun.includes('workers'),
    // Requests served through the VIP (GET /version): a draining apiserver fails /readyz on purpose
    // (--shutdown-delay-duration) while it still serves, so /readyz is reported, not judged.
    apiServed99:
      (r1.apiVersion?.availabilityPct ?? 0) >= 99 && (o.second.apiVersion?.availabilityPct ?? 0) >= 99,
  };
}

export const rolling: ProofScenario = {
  name: 'upgrade/rolling',
  kind: 'upgrade',
  claim: `hakube upgrade ${FROM} → ${TO} on 3 masters + 2 workers with a PDB-guarded NodePort workload, the worker process SIGKILLed twice: it completes with every node Ready at ${TO} and each apiserver serving it, a snapshot taken first, API requests through the VIP (GET /version) ≥ 99 % served (/readyz through the VIP reported beside); a worker whose new kubelet cannot start is rolled back (Ready on ${FROM}, uncordoned) and the upgrade waits for a decision; a re-run upgrades only that worker, a third run changes nothing`,
  minutes: 11,
  async run(ctx) {
    const s = await openLabSession({
      name: process.env.PROOF_UPGRADE_LAB ?? 'up1',
      log: ctx.log,
      kubernetesVersion: FROM,
    });
    let o: Outcome;
    try {
      o = await scenario(s, ctx.log);
    } finally {
      await s.close();
    }
    const checks = judge(o);
    const r1 = o.first.run;
    const failed = Object.entries(checks)
      .filter(([, v]) => !v)
      .map(([k]) => k);
    const resumes = o.first.kills.map((k) => k.resumeS ?? -1);
    const figures = {
      installSeconds: o.installS,
      upgradeSeconds: r1.seconds,
      secondRunSeconds: o.second.seconds,
      thirdRunSeconds: o.third.seconds,
      kills: o.first.kills.length,
      resumeS: resumes.join(','),
      serviceRequests: r1.service?.requests ?? 0,
      serviceFailed: r1.service?.failed ?? 0,
      serviceFailedPerNode: JSON.stringify(r1.service?.failedPer ?? {}),
      apiServedPct: r1.apiVersion?.availabilityPct ?? 0,
      apiServedFailed: r1.apiVersion?.failed ?? 0,
      apiReadyzPct: r1.api?.availabilityPct ?? 0,
      apiReadyzFailed: r1.api?.failed ?? 0,
      secondRunServiceFailed: o.second.service?.failed ?? 0,
      secondRunApiServedPct: o.second.apiVersion?.availabilityPct ?? 0,
      snapshot: r1.result.snapshot?.id ?? '',
      decision: o.first.gate.decided ? `approved by ${o.first.gate.decided.by}` : 'none',
    };
    return {
      ok: failed.length === 0,
      summary: `${FROM} → ${TO} in ${r1.seconds} s with 2 kills (resume ${figures.resumeS} s), ${FAILING} rolled back and continued past; ${probeLine(r1)}; re-run ${o.second.seconds} s (${FAILING} only), no-op ${o.third.seconds} s${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`,
      figures,
      details: { checks, ...o },
    };
  },
};
