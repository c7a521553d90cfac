// Memory and CPU of one process and its descendants, sampled from /proc while something runs
// (the worker during a big join). RSS is VmRSS summed over the process tree; CPU is the growth of
// utime+stime between samples, as % of one core (200 % = both cores of a 2-core machine).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

interface ProcSample {
  /** Resident memory of the tree, KiB. */
  rssKiB: number;
  /** CPU ticks used so far by the tree (live processes, plus children the root has reaped). */
  ticks: number;
}

export interface UsageSample {
  /** Seconds since sampling started. */
  t: number;
  rssMiB: number;
  /** % of one core over the interval before this sample. */
  cpuPct: number;
  processes: number;
}

export interface UsageSummary {
  samples: number;
  seconds: number;
  peakRssMiB: number;
  meanRssMiB: number;
  /** CPU time over wall time of the whole run, % of one core. */
  meanCpuPct: number;
  /** The busiest interval, % of one core. */
  peakCpuPct: number;
  /** The most processes seen in the tree at once (the root counts). */
  peakProcesses: number;
}

export interface UsageSampler {
  stop(): { summary: UsageSummary; samples: UsageSample[] };
}

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100; // the Linux default USER_HZ
  }
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // gone since it was listed
  }
}

/** The root and every descendant alive now. No /proc/<pid>/task/<tid>/children on these kernels, so by ppid. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(Number(entry))?.[1]); // field 4 of stat; [0] is the state
    if (!Number.isFinite(ppid)) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  for (let queue = [root]; queue.length > 0;) {
    const pid = queue.shift() as number;
    tree.push(pid);
    queue = [...queue, ...(children.get(pid) ?? [])];
  }
  return tree;
}

function vmRssKiB(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function sampleTree(root: number): ProcSample & { processes: number } {
  const pids = processTree(root);
  let ticks = 0;
  for (const pid of pids) {
    const f = statFields(pid);
    if (!f) continue;
    // utime, stime are stat fields 14 and 15 (11 and 12 here); cutime, cstime (13, 14 here)
    // hold the root's reaped children, whose own counters are gone.
    ticks += Number(f[11]) + Number(f[12]);
    if (pid === root) ticks += Number(f[13]) + Number(f[14]);
  }
  return { rssKiB: pids.reduce((sum, pid) => sum + vmRssKiB(pid), 0), ticks, processes: pids.length };
}

/** Samples `pid`'s tree every `intervalMs` until stop(); the first sample is taken at once. */
export function sampleProcessUsage(pid: number, intervalMs = 1000): UsageSampler {
  const hz = clockTicksPerSecond();
  const t0 = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e9;
  const first = sampleTree(pid);
  const samples: UsageSample[] = [
    { t: 0, rssMiB: first.rssKiB / 1024, cpuPct: 0, processes: first.processes },
  ];
  let last = { t: 0, ticks: first.ticks };
  const take = () => {
    const s = sampleTree(pid);
    const t = elapsed();
    const cpuPct = ((s.ticks - last.ticks) / hz / Math.max(t - last.t, 1e-3)) * 100;
    samples.push({ t, rssMiB: s.rssKiB / 1024, cpuPct: Math.max(0, cpuPct), processes: s.processes });
    last = { t, ticks: s.ticks };
  };
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      const rss = samples.map((s) => s.rssMiB);
      const seconds = last.t;
      return {
        samples,
        summary: {
          samples: samples.length,
          seconds,
          peakRssMiB: Math.max(...rss),
          meanRssMiB: rss.reduce((a, b) => a + b, 0) / rss.length,
          meanCpuPct: seconds > 0 ? ((last.ticks - first.ticks) / hz / seconds) * 100 : 0,
          peakCpuPct: Math.max(...samples.slice(1).map((s) => s.cpuPct)),
          peakProcesses: Math.max(...samples.map((s) => s.processes)),
        },
      };
    },
  };
}

/** The host's MemAvailable (what can be used without swapping), MiB. */
export function memAvailableMiB(): number {
  const kb = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
  return Math.round(Number(kb ?? 0) / 1024);
}
