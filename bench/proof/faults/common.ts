// What the fault scenarios share: a fresh lab session closed whatever happens, seeded randomness,
// waiting on an operation's progress, what the server says about steps in flight, and the health
// of the installed cluster (3 healthy etcd members, /readyz through the VIP).
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { etcdctl, LOCAL_ETCD, parseMemberList } from '../../../cluster/etcdctl';
import { INSTALL_PHASES } from '../../../cluster/plan/install';
import type { OperationProgress, StepProgress } from '../../../cluster/progress';
import type { InstallResult } from '../../../workflows/install-cluster';
import { eventually, workflowHistoryJson } from '../../../test/helpers/temporal';
import { openLabSession, type LabSession } from '../lab-session';
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

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
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
export async function installResult(
  s: LabSession,
  workflowId: string,
  timeoutMs = INSTALL_TIMEOUT_MS,
): Promise<InstallResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${workflowId} did not finish within ${timeoutMs / 60_000} min`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([s.client.result<InstallResult>(workflowId), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every install phase ended done (none skipped, none failed). */
export function allPhasesDone(r: InstallResult): boolean {
  return r.phases.length === INSTALL_PHASES.length && r.phases.every((p) => p.status === 'done');
}

export const kubectl = (args: string) =>
  `/usr/local/bin/kubectl --kubeconfig=/etc/kubernetes/admin.conf --request-timeout=10s ${args}`;

export interface ClusterHealth {
  etcdMembers: string[];
  etcdHealthy: number;
  /** What the apiserver answered on /readyz through the VIP (admin.conf points at it). */
  readyz: string;
  healthy: boolean;
}

/** etcd membership and health read on master-2, /readyz through the VIP from master-1; retried for 2 min. */
export async function clusterHealth(s: LabSession, masters = 3): Promise<ClusterHealth> {
  let last: ClusterHealth | undefined;
  try {
    return await eventually(
      async () => {
        const members = parseMemberList(
          (await s.on('master-2').run(etcdctl(LOCAL_ETCD, 'member list -w json'))).stdout,
        ).map((m) => m.name);
        const h = await s.on('master-2').exec(etcdctl(LOCAL_ETCD, 'endpoint health --cluster'));
        // etcdctl prints endpoint health on stderr.
        const etcdHealthy = ((h.stdout + h.stderr).match(/is healthy/g) ?? []).length;
        const readyz = (await s.on('master-1').exec(kubectl('get --raw /readyz'))).stdout.trim();
        last = { etcdMembers: members.sort(), etcdHealthy, readyz, healthy: false };
        last.healthy = members.length === masters && etcdHealthy === masters && readyz === 'ok';
        return last.healthy ? last : undefined;
      },
      120_000,
      'a healthy cluster',
      2000,
    );
  } catch {
    return last ?? { etcdMembers: [], etcdHealthy: 0, readyz: '', healthy: false };
  }
}

/** Waits until an upload to `host` is in flight: hakube's temp file beside its target exists. */
export function uploadInFlight(s: LabSession, host: string, timeoutMs = 15 * 60_000): Promise<string> {
  return eventually(
    async () => {
      const r = await s
        .on(host)
        .exec('ls -1 /usr/local/bin/.*.hakube-* /opt/cni/bin/.*.hakube-* 2>/dev/null | head -1');
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
    const r = await s
      .on(h.name)
      .exec('ls -1 /usr/local/bin/.*.hakube-* /opt/cni/bin/.*.hakube-* 2>/dev/null');
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
