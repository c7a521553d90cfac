// bench/install: an install of 3 control-plane hosts + 2 workers on a fresh lab. Figures: wall
// time (client start → result), each phase's duration (from the progress, workflow clock), and
// the orchestration overhead: the share of the wall time during which no remote operation was in
// flight, from the worker's SSH trace (HAKUBE_SSH_TRACE; see intervals.ts for the approximation).
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceLine } from '../../../activities/ssh/trace';
import { openLabSession } from '../../../test/helpers/lab-session';
import type { ProofScenario, ScenarioOutcome } from '../scenario';
import { SECRET_PATTERNS } from '../../../test/helpers/history-scan';
import { describePhases, runInstall, type InstallRun } from './install-run';
import { overhead, readTrace } from './intervals';
import { keysOnHosts, scanSession } from './session-scan';
import { withWorkerEnv } from './worker-env';

const LAB = 'pb-inst';
const r2 = (n: number) => Number(n.toFixed(2));

/** The figures of one traced install (bench/baseline reports them too). */
export function installFigures(
  install: InstallRun,
  trace: TraceLine[],
): { summary: string; figures: ScenarioOutcome['figures']; details: unknown } {
  const total = overhead(trace, install.t0, install.t1);
  const phases = install.phases.map((p) => ({
    ...p,
    ...(p.start && p.end ? overhead(trace, p.start, p.end) : {}),
  }));
  const bytes = trace.filter((t) => t.kind === 'upload').reduce((n, t) => n + (t.bytes ?? 0), 0);
  const figures: ScenarioOutcome['figures'] = {
    wallSeconds: r2(total.wallSeconds),
    remoteInFlightSeconds: r2(total.remoteSeconds),
    overheadRatio: r2(total.overheadRatio),
    serialRemoteSeconds: r2(total.serialRemoteSeconds),
    remoteOperations: total.operations,
    uploadedMiB: r2(bytes / 2 ** 20),
  };
  for (const p of phases) figures[`phase_${p.name}_seconds`] = r2(p.seconds);
  const summary =
    `install ${total.wallSeconds.toFixed(0)} s; phases: ${describePhases(install.phases)}; ` +
    `remote ops in flight ${total.remoteSeconds.toFixed(0)} s → overhead ${total.overheadRatio.toFixed(2)}; ` +
    `${total.operations} remote ops (${total.serialRemoteSeconds.toFixed(0)} s if run one by one), ${(bytes / 2 ** 20).toFixed(0)} MiB uploaded`;
  return {
    summary,
    figures,
    details: { phases, slowest: install.slowest, warnings: install.result.warnings },
  };
}

/** The trace must not hold what it promises to leave out (it is kept with the results). */
export function traceLeaks(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return SECRET_PATTERNS.filter((p) => p.pattern.test(text)).map((p) => p.name);
}

export const benchInstall: ProofScenario = {
  name: 'bench/install',
  kind: 'bench',
  claim:
    'install of 3 control-plane + 2 workers on a fresh lab: wall time, per phase, and the orchestration overhead ' +
    '(share of wall time with no remote exec or transfer in flight, from the worker SSH trace)',
  minutes: 10,
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'hakube-proof-trace-'));
    const traceFile = join(dir, 'ssh-trace.jsonl');
    const session = await withWorkerEnv({ HAKUBE_SSH_TRACE: traceFile }, () =>
      openLabSession({ name: LAB, log: ctx.log }),
    );
    try {
      const install = await runInstall(session, ctx.log);
      const out = installFigures(install, readTrace(traceFile));
      const leaks = traceLeaks(traceFile);
      copyFileSync(traceFile, join(ctx.resultsDir, 'bench_install.ssh-trace.jsonl'));
      const scan = scanSession(session, (await keysOnHosts(session)).keys);
      const allDone = install.result.phases.every((p) => p.status === 'done');
      return {
        ok: allDone && leaks.length === 0 && scan.findings.length === 0,
        summary: `${out.summary}${leaks.length ? `; TRACE LEAKS ${leaks.join(', ')}` : ''}`,
        figures: { ...out.figures, traceLeaks: leaks.length, historySecretsFound: scan.findings.length },
        details: { ...(out.details as object), trace: 'bench_install.ssh-trace.jsonl', historyScan: scan },
      };
    } finally {
      await session.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
