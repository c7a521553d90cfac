// What the lab e2e file shares with the topic modules it registers (backup, restore): the
// installed cluster, the client, SSH to its hosts, and a way to crash the worker.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { workflowHistoryJson } from '../../helpers/temporal';
import { secretsInHistory } from '../../helpers/history-scan';
import { recordHistory } from '../../helpers/record-history';
import type { HakubeClient } from '../../../client/hakube-client';
import type { PlannedPhase } from '../../../cluster/plan/phases';
import type { RemoteHost } from '../../../activities/ssh';
import { etcdctl, LOCAL_ETCD } from '../../../cluster/etcdctl';

import type { Cluster } from '../../../cluster/spec';
import type { LabInfo } from '../../../lab';

export interface InstalledLab {
  readonly lab: LabInfo;
  readonly cluster: Cluster;
  readonly client: HakubeClient;
  readonly serverAddress: string;
  readonly taskQueue: string;
  on(host: string): RemoteHost;
  /** From now on the tests (and `on`) work with this cluster (after nodes joined or left). */
  useCluster(cluster: Cluster): void;
  /** SIGKILLs the worker process and starts a new one. */
  restartWorker(why: string): Promise<void>;
}

/**
 * The skip reason of a lab test too long for the suite's time budget (scripts/test.sh, which CI
 * runs): `npm run proof -- --only e2e/lab-long` runs this file with HAKUBE_E2E_LONG=1, and so
 * may anyone who wants them.
 */
export function longLabTest(): string | false {
  return process.env.HAKUBE_E2E_LONG === '1'
    ? false
    : 'long lab test: the suite leaves it to the proof suite (npm run proof -- --only e2e/lab-long)';
}

/** The run went as its dry run printed: each phase the plan runs is done, each it skips is skipped. */
export async function assertRanAsPlanned(
  client: HakubeClient,
  workflowId: string,
  plan: PlannedPhase[],
): Promise<void> {
  const p = await client.progress(workflowId);
  assert.deepEqual(
    p.phases.map((ph) => `${ph.name}:${ph.status}`),
    plan.map((x) => `${x.name}:${x.skipped ? 'skipped' : 'done'}`),
    `${workflowId} ran otherwise than its --dry-run printed`,
  );
}

export const kubectl = (args: string) =>
  `/usr/local/bin/kubectl --kubeconfig=/etc/kubernetes/admin.conf --request-timeout=10s ${args}`;

/** Names of the nodes whose Ready condition is True (empty when the apiserver does not answer). */
export async function readyNodes(host: RemoteHost): Promise<Set<string>> {
  const r = await host.exec(
    kubectl(
      `get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'`,
    ),
  );
  return new Set(
    r.stdout
      .split('\n')
      .filter((l) => l.endsWith('=True'))
      .map((l) => l.split('=')[0]),
  );
}

/** Nodes on which a kube-system pod with label k8s-app=`app` is Running. */
export async function nodesRunning(host: RemoteHost, app: string): Promise<Set<string>> {
  const r = await host.exec(
    kubectl(
      `-n kube-system get pods -l k8s-app=${app} -o jsonpath='{range .items[?(@.status.phase=="Running")]}{.spec.nodeName}{"\\n"}{end}'`,
    ),
  );
  return new Set(r.stdout.split('\n').filter(Boolean));
}

/** The cluster with its backups going to `dir` on this machine, keeping `keep`. */
export function withBackupsIn(cluster: Cluster, dir: string, keep: number): Cluster {
  const backup = { schedule: '0 */6 * * *', keep, target: { type: 'local' as const, path: dir } };
  return { ...cluster, spec: { ...cluster.spec, etcd: { ...cluster.spec.etcd, backup } } };
}

/** Puts `keys` (value "v"), in transactions of 125 (etcd's default limit is 128 operations). */
export async function putKeys(host: RemoteHost, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 125) {
    const puts = keys.slice(i, i + 125).map((k) => `put ${k} v`);
    await host.run(etcdctl(LOCAL_ETCD, 'txn'), { stdin: `\n${puts.join('\n')}\n\n\n` });
  }
}

export async function keysUnder(host: RemoteHost, prefix: string): Promise<string[]> {
  const r = await host.run(etcdctl(LOCAL_ETCD, `get ${prefix} --prefix --keys-only`));
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

export function sha256Of(file: string): string {
  return execFileSync('sha256sum', [file]).toString().split(' ')[0];
}

/** "<activity type> <summary>" of every activity a workflow's history scheduled. */
export function scheduledActivities(historyJson: string): string[] {
  const { events } = JSON.parse(historyJson) as {
    events: {
      eventType: string;
      activityTaskScheduledEventAttributes?: { activityType: { name: string } };
      userMetadata?: { summary?: { data?: string } };
    }[];
  };
  return events
    .filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')
    .map((e) => {
      const summary = e.userMetadata?.summary?.data;
      const text = summary ? (JSON.parse(Buffer.from(summary, 'base64').toString()) as string) : '';
      return `${e.activityTaskScheduledEventAttributes?.activityType.name} ${text}`;
    });
}

/**
 * A finished operation's history, checked: no private key, bootstrap token or kubeconfig in it
 * (payloads decoded) and no activity scheduled twice (unless `allowTwice`, for a step a worker
 * kill interrupted). With HAKUBE_RECORD_HISTORIES=1 it is also kept for the replay test as
 * test/histories/`recordAs`, never over an existing one (test/helpers/record-history.ts).
 */
export function checkedHistory(
  ctx: InstalledLab,
  workflowId: string,
  recordAs?: string,
  allowTwice = 0,
): string {
  const history = workflowHistoryJson(ctx.serverAddress, workflowId);
  assert.deepEqual(secretsInHistory(history), [], `${workflowId}: a secret in the history`);
  const scheduled = scheduledActivities(history);
  const twice = scheduled.filter((a, i) => scheduled.indexOf(a) !== i);
  assert.ok(twice.length <= allowTwice, `${workflowId}: scheduled twice: ${twice.join(', ')}`);
  if (recordAs && process.env.HAKUBE_RECORD_HISTORIES === '1') recordHistory(recordAs, history);
  return history;
}

/**
 * `kubectl rollout status` of a kube-system workload; when it does not finish, the error carries
 * what an operator would look at next (the pods with their nodes, the not-ready pods' conditions,
 * container states and last log lines, the namespace's recent events), so a CI failure explains
 * itself.
 */
export async function rolloutOrExplain(host: RemoteHost, workload: string, timeoutS: number): Promise<void> {
  const status = await host.exec(
    kubectl(`-n kube-system rollout status ${workload} --timeout=${timeoutS}s`),
    {
      timeoutMs: (timeoutS + 20) * 1000,
    },
  );
  if (status.exitCode === 0) return;
  const out = async (args: string) => {
    const r = await host.exec(kubectl(args));
    return (r.stdout + r.stderr).trim();
  };
  const selector = (
    await out(`-n kube-system get ${workload} -o jsonpath='{.spec.selector.matchLabels.k8s-app}'`)
  ).trim();
  const pods = JSON.parse(await out(`-n kube-system get pods -l k8s-app=${selector} -o json`)) as {
    items: {
      metadata: { name: string };
      spec: { nodeName?: string };
      status: { conditions?: { type: string; status: string }[]; containerStatuses?: unknown[] };
    }[];
  };
  const notReady = pods.items.filter(
    (p) => p.status.conditions?.find((c) => c.type === 'Ready')?.status !== 'True',
  );
  const details: string[] = [
    `${workload} did not roll out in ${timeoutS} s: ${status.stderr.trim()}`,
    await out(`-n kube-system get pods -o wide`),
  ];
  for (const p of notReady.slice(0, 3)) {
    details.push(`--- ${p.metadata.name} on ${p.spec.nodeName ?? '(unscheduled)'}`);
    details.push(JSON.stringify({ conditions: p.status.conditions, containers: p.status.containerStatuses }));
    details.push(await out(`-n kube-system logs ${p.metadata.name} --all-containers --tail=40`));
    details.push(await out(`-n kube-system logs ${p.metadata.name} --all-containers --previous --tail=20`));
  }
  details.push(await out(`-n kube-system get events --sort-by=.lastTimestamp`));
  throw new Error(details.join('\n'));
}
