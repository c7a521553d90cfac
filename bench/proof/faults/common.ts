// What the fault scenarios share: a fresh lab session closed whatever happens, seeded randomness,
// waiting on an operation's progress, what the server says about steps in flight, uploads cut
// short, and the health of the cluster a fault leaves (measure/cluster-health.ts).
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { INSTALL_PHASES } from '../../../cluster/plan/install';
import type { OperationProgress, StepProgress } from '../../../cluster/progress';
import type { InstallResult } from '../../../workflows/install-cluster';
import { eventually, workflowHistoryJson } from '../../../test/helpers/temporal';
import { openLabSession, type LabSession } from '../../../test/helpers/lab-session';
import { sleep } from '../../../lab/exec';
import { withDeadline } from '../deadline';
import { clusterHealth, type ClusterHealth } from '../measure/cluster-health';
import { activityRecords } from './history';

export type Log = (line: string) => void;

export const INSTALL_TIMEOUT_MS = 30 * 60_000;

export function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${v}"`);
  return n;
}

/** mulberry32: small, fast, and the same sequence for the same seed (the seed goes in the results). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** PROOF_SEED when given (to replay a run), else one drawn now. */
export function proofSeed(): number {
  return envInt('PROOF_SEED', Math.floor(Math.random() * 2 ** 31));
}

export { sleep };
export const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** A fresh lab `name` (3 masters + 2 workers) for `fn`; the lab, server and worker go afterwards. */
export async function withLab<T>(
  name: string,
  log: Log,
  fn: (s: LabSession) => Promise<T>,
  size: { masters?: number; workers?: number } = {},
): Promise<T> {
  const s = await openLabSession({ name, log, ...size });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

export function waitForProgress(
  s: LabSession,
  workflowId: string,
  what: string,
  reached: (p: OperationProgress) => boolean,
  timeoutMs = 15 * 60_000,
): Promise<OperationProgress> {
  return eventually(
    async () => {
      const p = await s.client.progress(workflowId);
      return reached(p) ? p : undefined;
    },
    timeoutMs,
    what,
    250,
  );
}

export const phaseStatus = (p: OperationProgress, phase: string) =>
  p.phases.find((x) => x.name === phase)?.status;

export function stepOf(p: OperationProgress, key: string): StepProgress | undefined {
  for (const phase of p.phases) {
    const s = phase.steps.find((x) => x.key === key);
    if (s) return s;
  }
  return undefined;
}

/** A step in flight or waiting to retry, as the server sees it, named as in the Web UI. */
export interface InFlight {
  activityId: string;
  step: string;
  started: boolean;
  attempt: number;
  /** When its current attempt started (ms since the epoch). */
  startedAt?: number;
  lastFailure?: string;
  lastFailureType?: string;
}

export async function inFlight(s: LabSession, workflowId: string): Promise<InFlight[]> {
  const d = await s.client.handle(workflowId).describe();
  const steps = new Map(
    activityRecords(workflowHistoryJson(s.server.address, workflowId)).map((r) => [r.activityId, r.step]),
  );
  return (d.raw.pendingActivities ?? []).map((a) => ({
    activityId: a.activityId ?? '',
    step: steps.get(a.activityId ?? '') ?? a.activityType?.name ?? 'unknown',
    started: a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
    attempt: a.attempt ?? 1,
    startedAt: optionalTsToMs(a.lastStartedTime),
    ...(a.lastFailure?.message ? { lastFailure: a.lastFailure.message } : {}),
    ...(a.lastFailure?.applicationFailureInfo?.type
      ? { lastFailureType: a.lastFailure.applicationFailureInfo.type }
      : {}),
  }));
}

/** The install's result, failing the scenario after `timeoutMs` instead of waiting forever. */
export function installResult(
  s: LabSession,
  workflowId: string,
  timeoutMs = INSTALL_TIMEOUT_MS,
): Promise<InstallResult> {
  return withDeadline(s.client.result<InstallResult>(workflowId), timeoutMs, workflowId);
}

/** Every install phase ended done (none skipped, none failed). */
export function allPhasesDone(r: InstallResult): boolean {
  return r.phases.length === INSTALL_PHASES.length && r.phases.every((p) => p.status === 'done');
}

/** A fault scenario's cluster afterwards: healthy within 2 min (etcd, /readyz, every node). */
export const healthAfterFault = (s: LabSession): Promise<ClusterHealth> => clusterHealth(s, 120_000);

/** hakube's temp files beside the binaries' targets (remote-host.ts uploadTempPrefix), one per line. */
const LIST_UPLOAD_TEMP_FILES = 'ls -1 /usr/local/bin/.*.hakube-* /opt/cni/bin/.*.hakube-* 2>/dev/null';

/** Waits until an upload to `host` is in flight: hakube's temp file beside its target exists. */
export function uploadInFlight(s: LabSession, host: string, timeoutMs = 15 * 60_000): Promise<string> {
  return eventually(
    async () => {
      const r = await s.on(host).exec(`${LIST_UPLOAD_TEMP_FILES} | head -1`);
      return r.stdout.trim() || undefined;
    },
    timeoutMs,
    `an upload in flight on ${host}`,
    300,
  );
}

/** Temp files of uploads cut short that are still on the hosts (`host:path`); should be none. */
export async function partialUploads(s: LabSession): Promise<string[]> {
  const left: string[] = [];
  for (const h of s.cluster.spec.hosts) {
    const r = await s.on(h.name).exec(LIST_UPLOAD_TEMP_FILES);
    left.push(
      ...r.stdout
        .split('\n')
        .filter(Boolean)
        .map((f) => `${h.name}:${f}`),
    );
  }
  return left;
}

export const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
