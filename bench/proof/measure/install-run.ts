// One install on a proof lab, timed from the client's side (start → result), with the phases'
// own start and end times from the operation's progress (the workflow's clock).
import type { OperationProgress } from '../../../cluster/progress';
import type { InstallResult } from '../../../workflows/install-cluster';
import { workflowHistoryJson } from '../../../test/helpers/temporal';
import type { LabSession } from '../../../test/helpers/lab-session';
import { describeSlow, slowestActivities, type SlowActivity } from './fanout-tail';

export interface PhaseTiming {
  name: string;
  status: string;
  seconds: number;
  start?: number;
  end?: number;
}

export interface InstallRun {
  workflowId: string;
  /** ms since the epoch, on this machine's clock (the worker's trace uses the same one). */
  t0: number;
  t1: number;
  wallSeconds: number;
  result: InstallResult;
  phases: PhaseTiming[];
  progress: OperationProgress;
  /** Its longest steps from the history, with their wait and attempts: a slow run says why. */
  slowest: SlowActivity[];
}

/** The messages along an error's cause chain: a workflow failure says little, its activity's cause says why. */
function causeMessages(err: unknown): string {
  const out: string[] = [];
  for (let e = err as Error | undefined, depth = 0; e && depth < 8; e = e.cause as Error | undefined, depth++)
    out.push(e.message);
  return out.join(' ← ');
}

export function phaseTimings(progress: OperationProgress): PhaseTiming[] {
  return progress.phases.map((p) => {
    const start = p.startedAt ? Date.parse(p.startedAt) : undefined;
    const end = p.endedAt ? Date.parse(p.endedAt) : undefined;
    return { name: p.name, status: p.status, seconds: start && end ? (end - start) / 1000 : 0, start, end };
  });
}

/** Installs the session's cluster and waits; throws when the install fails. */
export async function runInstall(session: LabSession, log: (l: string) => void): Promise<InstallRun> {
  const t0 = Date.now();
  const started = await session.client.startInstall({ cluster: session.cluster });
  let lastPhase = '';
  const follow = setInterval(() => {
    session.client
      .progress(started.workflowId)
      .then((p) => {
        if (p.phase && p.phase !== lastPhase)
          log(`install: phase ${(lastPhase = p.phase)} (${Math.round((Date.now() - t0) / 1000)} s)`);
      })
      .catch(() => undefined);
  }, 2000);
  try {
    const result = await session.client.result<InstallResult>(started.workflowId).catch((err: unknown) => {
      throw new Error(`install failed: ${causeMessages(err)}`, { cause: err });
    });
    const t1 = Date.now();
    const progress = await session.client.progress(started.workflowId);
    const slowest = slowestActivities(workflowHistoryJson(session.server.address, started.workflowId), 5);
    log(describeSlow('install', slowest));
    return {
      workflowId: started.workflowId,
      t0,
      t1,
      wallSeconds: (t1 - t0) / 1000,
      result,
      phases: phaseTimings(progress),
      progress,
      slowest,
    };
  } finally {
    clearInterval(follow);
  }
}

export const describePhases = (phases: PhaseTiming[]) =>
  phases.map((p) => `${p.name} ${p.seconds.toFixed(p.seconds < 10 ? 1 : 0)} s`).join(', ');
