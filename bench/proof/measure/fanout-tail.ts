// Why the slowest node of a join run was slow: its join workflow's history read back, and its
// longest activities listed with how long they waited for a worker slot (scheduled → started),
// how many attempts they took and how they ended. A figure with a long tail needs its reason.
import { workflowIdFor } from '../../../cluster/operations';
import { workflowHistoryJson } from '../../../test/helpers/temporal';
import { activityRecords } from '../faults/history';

export interface SlowActivity {
  activity: string;
  summary: string;
  seconds: number;
  /** Scheduled → the (last) attempt's start: queueing for a worker slot, or retry backoff. */
  waitSeconds: number;
  attempts: number;
  ended: string;
}

/** The `top` longest activities of one history (proto3 JSON, as `temporal workflow show -o json`). */
export function slowestActivities(historyJson: string, top = 3): SlowActivity[] {
  return activityRecords(historyJson)
    .filter((r) => r.closedAt !== undefined)
    .map((r) => ({
      activity: r.activityType,
      summary: r.summary,
      seconds: ((r.closedAt ?? r.scheduledAt) - r.scheduledAt) / 1000,
      waitSeconds: r.startedAt !== undefined ? (r.startedAt - r.scheduledAt) / 1000 : 0,
      attempts: r.attempts,
      ended: r.ended ?? '',
    }))
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, top);
}

/** The slowest activities of `node`'s join (`join-<cluster>-<node>`); undefined when its history cannot be read. */
export function slowestOfJoin(
  serverAddress: string,
  cluster: string,
  node: string,
): SlowActivity[] | undefined {
  try {
    return slowestActivities(workflowHistoryJson(serverAddress, workflowIdFor('join', cluster, node)));
  } catch {
    return undefined;
  }
}

/** "slowest steps of `what`: …" (a node's join, an install). */
export function describeSlow(what: string, slow: SlowActivity[]): string {
  const parts = slow.map(
    (s) =>
      `${s.summary || s.activity} ${s.seconds.toFixed(0)} s (waited ${s.waitSeconds.toFixed(0)} s, ${s.attempts} attempt${s.attempts === 1 ? '' : 's'}, ${s.ended})`,
  );
  return `slowest steps of ${what}: ${parts.join('; ')}`;
}
