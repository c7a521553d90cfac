// bench/fanout: how joins scale. A fresh lab of 3 control-plane hosts is installed, then 1, 10
// and 30 workers join in three addNodes runs (the lab grown before each, earlier workers kept).
// Reported: wall time of each run and time per node; during the 30-node run, the worker
// process's memory and CPU. The lab's machines cost host memory, so the host's available memory
// is recorded along the way, and the 30-node run is not started when it cannot fit.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../../../cluster/spec';
import { openLabSession } from '../../../test/helpers/lab-session';
import type { ProofScenario, ScenarioOutcome } from '../scenario';
import { registeredNodes } from './cluster-health';
import { growLab, joinRun, type JoinRun } from './fanout-join';
import { describeSlow, slowestOfJoin, type SlowActivity } from './fanout-tail';
import { memAvailableMiB, sampleProcessUsage, type UsageSummary } from './process-usage';

const LAB = 'pb-fan';
const MASTERS = 3;
const STEPS = [1, 10, 30];
/** addNodes' default: what a user gets without --parallel. */
const PARALLEL = 5;
const JOIN_DEADLINE_MS = 60 * 60_000;
/** Left free for everything else on the machine (dev server, worker, page cache, other work). */
const MEMORY_MARGIN_MIB = 1536;

const f1 = (n: number) => Number(n.toFixed(1));

interface Step extends JoinRun {
  memAvailableBeforeMiB: number;
  memAvailableAfterMiB: number;
  slowest?: SlowActivity[];
}

/** Host memory one joined worker took in the last step (machine + containerd + kubelet + pods). */
function perWorkerMiB(step: Step | undefined): number | undefined {
  if (!step || step.joined === 0) return undefined;
  return Math.max(0, (step.memAvailableBeforeMiB - step.memAvailableAfterMiB) / step.joined);
}

function outcome(
  steps: Step[],
  usage: UsageSummary | undefined,
  memStartMiB: number,
  nodes: number,
  limit: string | undefined,
): ScenarioOutcome {
  const figures: ScenarioOutcome['figures'] = { memAvailableAtStartMiB: memStartMiB, parallel: PARALLEL };
  for (const s of steps) {
    const k = `join${s.nodes}`;
    Object.assign(figures, {
      [`${k}WallSeconds`]: f1(s.wallSeconds),
      [`${k}Joined`]: s.joined,
      [`${k}PerNodeMeanSeconds`]: f1(s.meanSeconds),
      [`${k}PerNodeP50Seconds`]: f1(s.p50Seconds),
      [`${k}PerNodeMaxSeconds`]: f1(s.maxSeconds),
      [`${k}MemAvailableAfterMiB`]: s.memAvailableAfterMiB,
    });
  }
  if (usage)
    Object.assign(figures, {
      workerPeakRssMiB: f1(usage.peakRssMiB),
      workerMeanRssMiB: f1(usage.meanRssMiB),
      workerMeanCpuPct: f1(usage.meanCpuPct),
      workerPeakCpuPct: f1(usage.peakCpuPct),
    });
  figures.registeredNodes = nodes;
  if (limit) figures.limit = limit;
  const parts = steps.map(
    (s) =>
      `${s.joined}/${s.nodes} in ${s.wallSeconds.toFixed(0)} s (per node mean ${s.meanSeconds.toFixed(0)}, p50 ${s.p50Seconds.toFixed(0)}, max ${s.maxSeconds.toFixed(0)} s)`,
  );
  const worker = usage
    ? `; worker during 30: RSS peak ${usage.peakRssMiB.toFixed(0)} MiB, mean ${usage.meanRssMiB.toFixed(0)} MiB, CPU mean ${usage.meanCpuPct.toFixed(0)} %, peak ${usage.peakCpuPct.toFixed(0)} % of a core`
    : '';
  const allJoined = steps.length === STEPS.length && steps.every((s) => s.joined === s.nodes);
  return {
    ok: allJoined && !limit,
    summary: `joins at ${PARALLEL} in parallel: ${parts.join('; ')}${worker}${limit ? `; stopped: ${limit}` : ''}`,
    figures,
    details: { steps, workerUsage: usage },
  };
}

export const fanoutBench: ProofScenario = {
  name: 'bench/fanout',
  kind: 'bench',
  claim: 'Joining 1, 10 and 30 workers: time per node, and the worker process memory and CPU during the 30',
  minutes: 40,
  async run(ctx) {
    const memStartMiB = memAvailableMiB();
    ctx.log(`host memory available at start: ${memStartMiB} MiB`);
    const session = await openLabSession({ name: LAB, masters: MASTERS, workers: 0, log: ctx.log });
    const steps: Step[] = [];
    let usage: UsageSummary | undefined;
    let limit: string | undefined;
    try {
      const t0 = Date.now();
      const install = await session.client.startInstall({ cluster: session.cluster });
      await session.client.result(install.workflowId);
      ctx.log(`installed ${MASTERS} control-plane hosts in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      let cluster: Cluster = session.cluster;
      let workers = 0;
      for (const n of STEPS) {
        const perWorker = perWorkerMiB(steps[steps.length - 1]);
        const available = memAvailableMiB();
        if (perWorker !== undefined && available - n * perWorker < MEMORY_MARGIN_MIB) {
          limit = `host memory: ${available} MiB available, ${n} more workers need ~${Math.round(n * perWorker)} MiB (${perWorker.toFixed(0)} MiB each) + ${MEMORY_MARGIN_MIB} MiB margin`;
          break;
        }
        const before = cluster.spec.hosts.map((h) => h.name);
        workers += n;
        try {
          cluster = await growLab(session, MASTERS, workers, ctx.log);
          const nodes = cluster.spec.hosts.map((h) => h.name).filter((h) => !before.includes(h));
          ctx.log(
            `joining ${nodes.length} workers (${nodes[0]}..${nodes.at(-1)}); ${available} MiB available`,
          );
          const pid = session.worker().child.pid;
          const sampler = n === 30 && pid !== undefined ? sampleProcessUsage(pid) : undefined;
          const run = await joinRun(session, cluster, nodes, PARALLEL, JOIN_DEADLINE_MS).finally(() => {
            if (!sampler) return;
            const { summary, samples } = sampler.stop();
            usage = summary;
            writeFileSync(join(ctx.resultsDir, 'bench_fanout-worker-usage.json'), JSON.stringify(samples));
          });
          const slowest = run.slowestNode
            ? slowestOfJoin(session.server.address, LAB, run.slowestNode)
            : undefined;
          const step = {
            ...run,
            memAvailableBeforeMiB: available,
            memAvailableAfterMiB: memAvailableMiB(),
            slowest,
          };
          steps.push(step);
          if (run.slowestNode && slowest)
            ctx.log(describeSlow(`the slowest node, ${run.slowestNode}`, slowest));
          ctx.log(
            `joined ${run.joined}/${run.nodes} in ${run.wallSeconds.toFixed(0)} s; per node ${run.perNodeSeconds.map((s) => s.toFixed(0)).join(' ')} s; ${step.memAvailableAfterMiB} MiB available after`,
          );
          for (const miss of run.notJoined) ctx.log(`not joined: ${miss}`);
        } catch (err) {
          // What joined so far is kept and reported; the step that could not run is the limit.
          limit = `${n}-worker step: ${(err as Error).message}`;
          ctx.log(`stopped: ${limit}`);
          break;
        }
      }
      const nodes = await registeredNodes(session.on('master-1')).catch(() => -1);
      return outcome(steps, usage, memStartMiB, nodes, limit);
    } finally {
      await session.close();
    }
  },
};
