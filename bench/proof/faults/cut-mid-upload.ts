// What fault/host-off and fault/partition share: start an install, wait until a host's binaries
// are being written, cut that host off (how is the scenario's), look at the operation every 10 s
// while it is away, bring it back, and collect what the install left: its result, the step
// records from the history, partial uploads on the hosts, and the cluster's health.
import type { InstallResult } from '../../../workflows/install-cluster';
import { workflowHistoryJson } from '../../../test/helpers/temporal';
import type { LabSession } from '../../../test/helpers/lab-session';
import {
  healthAfterFault,
  inFlight,
  installResult,
  partialUploads,
  seconds,
  sleep,
  stepOf,
  uploadInFlight,
  waitForProgress,
  type Log,
} from './common';
import type { ClusterHealth } from '../measure/cluster-health';
import { activityRecords, type ActivityRecord } from './history';

export interface AwayObservation {
  /** Seconds since the host was cut off. */
  atS: number;
  /** The step's status in the operation's progress query. */
  progressStatus?: string;
  /** The server's current attempt of the step, and why the last one failed. */
  attempt?: number;
  lastFailure?: string;
}

export interface CutHost {
  host: string;
  /** What the cut is called in the log ("powered off", "partitioned"). */
  cutName: string;
  cut: () => Promise<void>;
  restoreName: string;
  restore: () => Promise<void>;
  awayMs: number;
}

export interface CutOutcome {
  step: string;
  /** The file being written on the host when it was cut off. */
  partial: string;
  /** From the start of the install to its result. */
  installMs: number;
  /** From the cut to the restore. */
  awayMs: number;
  /** When the host came back (ms since the epoch). */
  restoredAt: number;
  observations: AwayObservation[];
  result: InstallResult;
  records: ActivityRecord[];
  leftovers: string[];
  health: ClusterHealth;
}

export async function cutHostMidUpload(s: LabSession, log: Log, c: CutHost): Promise<CutOutcome> {
  const step = `artifacts/binaries/${c.host}`;
  const t0 = Date.now();
  const { workflowId } = await s.client.startInstall({ cluster: s.cluster });
  await waitForProgress(s, workflowId, `${step} running`, (p) => stepOf(p, step)?.status === 'running');
  const partial = await uploadInFlight(s, c.host);
  const cutAt = Date.now();
  await c.cut();
  log(`${c.host} ${c.cutName} while writing ${partial} (took ${seconds(Date.now() - cutAt)} s)`);
  const observations: AwayObservation[] = [];
  while (Date.now() - cutAt < c.awayMs) {
    const p = await s.client.progress(workflowId);
    const mine = (await inFlight(s, workflowId)).find((a) => a.step.includes(step));
    observations.push({
      atS: seconds(Date.now() - cutAt),
      progressStatus: stepOf(p, step)?.status,
      attempt: mine?.attempt,
      lastFailure: mine?.lastFailure,
    });
    await sleep(10_000);
  }
  await c.restore();
  const restoredAt = Date.now();
  log(`${c.host} ${c.restoreName} after ${seconds(restoredAt - cutAt)} s`);
  const result = await installResult(s, workflowId);
  const installMs = Date.now() - t0;
  return {
    step,
    partial,
    installMs,
    awayMs: restoredAt - cutAt,
    restoredAt,
    observations,
    result,
    records: activityRecords(workflowHistoryJson(s.server.address, workflowId)),
    leftovers: await partialUploads(s),
    health: await healthAfterFault(s),
  };
}
