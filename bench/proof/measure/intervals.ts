// Remote time on the critical path, approximated: the union of the intervals during which at
// least one remote operation (exec, upload, download) was in flight. While nothing remote is in
// flight, the install waits on hakube itself (workflow tasks, activity scheduling, the worker's
// own work, retry backoff); that share of the wall time is the orchestration overhead.
import { readFileSync } from 'node:fs';
import type { TraceLine } from '../../../activities/ssh/trace';

export interface Interval {
  start: number;
  end: number;
}

/** Total length of the union of `intervals`, clipped to [from, to]. */
export function unionLength(intervals: Interval[], from: number, to: number): number {
  const clipped = intervals
    .map((i) => ({ start: Math.max(i.start, from), end: Math.min(i.end, to) }))
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start - b.start);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const i of clipped) {
    if (i.start > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = i.start;
      curEnd = i.end;
    } else curEnd = Math.max(curEnd, i.end);
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

/** Sum of the lengths (what the same operations cost one after another), clipped likewise. */
export function sumLength(intervals: Interval[], from: number, to: number): number {
  return intervals.reduce((n, i) => n + Math.max(0, Math.min(i.end, to) - Math.max(i.start, from)), 0);
}

export function readTrace(file: string): TraceLine[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as TraceLine);
}

export interface OverheadFigures {
  wallSeconds: number;
  remoteSeconds: number;
  overheadRatio: number;
  /** Sum of every remote operation's own duration: > remoteSeconds when they overlapped. */
  serialRemoteSeconds: number;
  operations: number;
}

export function overhead(trace: TraceLine[], from: number, to: number): OverheadFigures {
  const inside = trace.filter((t) => t.end > from && t.start < to);
  const wall = (to - from) / 1000;
  const remote = unionLength(inside, from, to) / 1000;
  return {
    wallSeconds: wall,
    remoteSeconds: remote,
    overheadRatio: wall > 0 ? (wall - remote) / wall : 0,
    serialRemoteSeconds: sumLength(inside, from, to) / 1000,
    operations: inside.length,
  };
}
