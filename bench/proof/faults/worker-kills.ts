// fault/worker-kills: the worker process SIGKILLed at seeded random points of an install, a new
// one started each time. Each run must complete with a healthy cluster, no step run again after
// it had ended, and the only repeated attempts those the kills cut short. Resume cost per kill:
// from the new worker polling to the next activity scheduled or started (server event times).
import { killWorker } from '../../../test/helpers/worker-process';
import { eventually, workflowHistoryJson } from '../../../test/helpers/temporal';
import type { ProofScenario } from '../scenario';
import {
  allPhasesDone,
  healthAfterFault,
  envInt,
  inFlight,
  INSTALL_TIMEOUT_MS,
  installResult,
  partialUploads,
  waitForProgress,
  mean,
  proofSeed,
  seconds,
  seededRandom,
  sleep,
  withLab,
  type Log,
} from './common';
import type { ClusterHealth } from '../measure/cluster-health';
import { activityRecords, firstActivityAfter, stepsRunTwice } from './history';
import type { LabSession } from '../../../test/helpers/lab-session';
import type { OperationProgress } from '../../../cluster/progress';
import { installPlan } from '../../../cluster/plan/install';
import { plannedStepKeys } from '../../../cluster/plan/phases';

interface Kill {
  /** ms after the install started. */
  at: number;
  phase?: string;
  /** The share of the install's steps done that this kill waited for (drawn at random). */
  afterStepsDone: number;
  /** Attempts in flight when the worker died: the ones a kill may cost. */
  cutShort: string[];
  /** Resume cost: new worker polling → next activity scheduled or started (server event times). */
  resumeMs?: number;
  resumedWith?: string;
}

interface Run {
  lab: string;
  completed: boolean;
  seconds: number;
  kills: Kill[];
  stepsRunTwice: string[];
  /** Steps whose attempt was lost with its worker and run again (each one in flight at a kill). */
  stepsRetriedAfterKill: string[];
  /** Attempts lost with a worker that no kill explains (should be none). */
  unexplained: string[];
  /** Temp files of uploads the kills cut short, still on the hosts (should be none). */
  partialUploadsLeft: string[];
  health: ClusterHealth;
  ok: boolean;
}

const stepsDone = (p: OperationProgress) =>
  p.phases.reduce((n, ph) => n + ph.steps.filter((st) => st.status === 'done').length, 0);

/**
 * The first activity scheduled or started at or after `since`: from the history, and from the
 * server's pending activities (a retried attempt reaches the history only when it ends).
 */
export async function resumed(
  s: LabSession,
  workflowId: string,
  since: number,
): Promise<{ ms: number; step: string } | 'ended'> {
  return eventually(
    async () => {
      const seen = (await inFlight(s, workflowId))
        .filter((a) => a.started && a.startedAt !== undefined && a.startedAt >= since)
        .map((a) => ({ ms: (a.startedAt as number) - since, step: a.step }));
      const logged = firstActivityAfter(workflowHistoryJson(s.server.address, workflowId), since);
      const first = [...seen, ...(logged ? [logged] : [])].sort((a, b) => a.ms - b.ms)[0];
      if (first) return first;
      return (await s.client.isRunning(workflowId)) ? undefined : 'ended';
    },
    5 * 60_000,
    'the next step after the restart',
    1000,
  );
}

async function oneRun(lab: string, killCount: number, rand: () => number, log: Log): Promise<Run> {
  // Stratified draws over the install's progress (the share of its steps done), one kill in each
  // slice, then a random 0-3 s so it lands inside a step: the kills spread over the phases. (Drawn
  // over wall time they bunch up in the longest phase, which every kill stretches by the 30 s
  // heartbeat timeout of the attempts it cuts short.)
  const plan = Array.from({ length: killCount }, (_, i) => ({
    share: ((i + 0.1 + 0.8 * rand()) / killCount) * 0.9,
    delayMs: Math.round(rand() * 3000),
  }));
  return withLab(lab, log, async (s) => {
    const planned = plannedStepKeys(installPlan(s.cluster)).length;
    const t0 = Date.now();
    const { workflowId } = await s.client.startInstall({ cluster: s.cluster });
    const kills: Kill[] = [];
    const cutShortIds = new Set<string>();
    for (const { share, delayMs } of plan) {
      await waitForProgress(
        s,
        workflowId,
        `${Math.round(share * 100)}% of the steps done`,
        (p) => p.status !== 'running' || stepsDone(p) >= share * planned,
        INSTALL_TIMEOUT_MS,
      );
      await sleep(delayMs);
      if (!(await s.client.isRunning(workflowId))) {
        log(`install ended before the kill planned at ${Math.round(share * 100)}% of the steps`);
        break;
      }
      const phase = (await s.client.progress(workflowId)).phase;
      await killWorker(s.worker());
      const killedAt = Date.now() - t0;
      // With the worker dead, the server's started activities are exactly the attempts it lost.
      const lost = (await inFlight(s, workflowId)).filter((a) => a.started);
      lost.forEach((a) => cutShortIds.add(a.activityId));
      await s.restartWorker(2000);
      const polledAt = Date.now();
      const next = await resumed(s, workflowId, polledAt);
      const kill: Kill = { at: killedAt, phase, afterStepsDone: share, cutShort: lost.map((a) => a.step) };
      if (next !== 'ended') Object.assign(kill, { resumeMs: next.ms, resumedWith: next.step });
      kills.push(kill);
      log(
        `kill ${kills.length} at ${seconds(killedAt)} s (phase ${phase}); in flight: ${lost.length}; resumed after ${kill.resumeMs === undefined ? '-' : seconds(kill.resumeMs)} s with ${kill.resumedWith ?? '(nothing: the install ended)'}`,
      );
    }
    const result = await installResult(s, workflowId);
    const records = activityRecords(workflowHistoryJson(s.server.address, workflowId));
    const retried = records.filter((r) => r.lostWithWorker);
    const leftovers = await partialUploads(s);
    const health = await healthAfterFault(s);
    const twice = stepsRunTwice(records);
    const unexplained = retried.filter((r) => !cutShortIds.has(r.activityId)).map((r) => r.step);
    const completed = allPhasesDone(result);
    const run: Run = {
      lab,
      completed,
      seconds: seconds(Date.now() - t0),
      kills,
      stepsRunTwice: twice,
      stepsRetriedAfterKill: retried.map((r) => r.step),
      unexplained,
      partialUploadsLeft: leftovers,
      health,
      ok:
        completed &&
        kills.length === killCount &&
        twice.length <= 1 &&
        unexplained.length === 0 &&
        leftovers.length === 0 &&
        health.ok,
    };
    log(
      `${lab}: ${completed ? 'completed' : 'NOT completed'} in ${run.seconds} s, ${kills.length} kills, run twice ${twice.length}, steps retried after a kill ${retried.length}, healthy ${health.ok}`,
    );
    return run;
  });
}

export const workerKills: ProofScenario = {
  name: 'fault/worker-kills',
  kind: 'fault',
  claim:
    'SIGKILL of the worker at seeded random points of an install (≥10 kills over the runs, each after a random share of the steps is done, then 0-3 s): every run completes with 3 healthy etcd members and /readyz ok through the VIP; per run at most 1 step runs again after it had ended (a step = activity type + summary; "again" = scheduled a second time), the only repeated attempts are those in flight at a kill, and no partial upload is left on the hosts',
  minutes: 16,
  async run(ctx) {
    const runs = envInt('PROOF_KILL_RUNS', 2);
    const killsPerRun = envInt('PROOF_KILLS', 5);
    const seed = proofSeed();
    ctx.log(`seed ${seed}: ${runs} runs × ${killsPerRun} kills`);
    const rand = seededRandom(seed);
    const results: Run[] = [];
    for (let r = 1; r <= runs; r++) results.push(await oneRun(`pf-kills-${r}`, killsPerRun, rand, ctx.log));
    const resumes = results.flatMap((r) =>
      r.kills.map((k) => k.resumeMs).filter((m): m is number => m !== undefined),
    );
    const kills = results.reduce((n, r) => n + r.kills.length, 0);
    const completed = results.filter((r) => r.completed).length;
    const maxTwice = Math.max(0, ...results.map((r) => r.stepsRunTwice.length));
    const cut = results.reduce((n, r) => n + r.kills.reduce((m, k) => m + k.cutShort.length, 0), 0);
    const retried = results.reduce((n, r) => n + r.stepsRetriedAfterKill.length, 0);
    const figures = {
      seed,
      runs,
      kills,
      completed,
      maxStepsRunTwice: maxTwice,
      attemptsCutShort: cut,
      stepsRetriedAfterKill: retried,
      unexplainedRepeats: results.reduce((n, r) => n + r.unexplained.length, 0),
      resumeMeanS: seconds(mean(resumes)),
      resumeMaxS: seconds(Math.max(0, ...resumes)),
      resumeSamples: resumes.length,
      partialUploadsLeft: results.reduce((n, r) => n + r.partialUploadsLeft.length, 0),
      healthyRuns: results.filter((r) => r.health.ok).length,
    };
    return {
      ok: results.every((r) => r.ok) && kills >= Math.min(10, runs * killsPerRun),
      summary: `${kills} kills over ${runs} runs (seed ${seed}): ${completed}/${runs} completed, healthy ${figures.healthyRuns}/${runs}, max steps run twice ${maxTwice}, ${cut} attempts cut short (${retried} steps retried), resume mean ${figures.resumeMeanS} s, max ${figures.resumeMaxS} s`,
      figures,
      details: results,
    };
  },
};
