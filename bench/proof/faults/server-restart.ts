// fault/server-restart: the Temporal dev server SIGKILLed mid-install and started again on the
// same SQLite file (same ports). The worker and the client reconnect by themselves; the install
// completes, and no step completes twice (the server's record of completed steps survived).
import { startDevServer } from '../../../client/server/dev-server';
import { eventually, workflowHistoryJson } from '../../../test/helpers/temporal';
import type { LabSession } from '../../../test/helpers/lab-session';
import type { ProofScenario } from '../scenario';
import {
  allPhasesDone,
  healthAfterFault,
  envInt,
  installResult,
  phaseStatus,
  seconds,
  sleep,
  waitForProgress,
  withLab,
} from './common';
import { activityRecords, firstActivityAfter, stepsCompletedTwice, stepsRunTwice } from './history';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** kill -9 of the dev server, `downMs` without one, then the same server (ports, SQLite file) again. */
async function killAndRestartServer(s: LabSession, downMs: number): Promise<{ pid: number; newPid: number }> {
  const state = s.server.status.state;
  if (!state) throw new Error('the dev server has no recorded state');
  process.kill(state.pid, 'SIGKILL');
  await eventually(async () => !alive(state.pid), 10_000, 'the dev server to die');
  await sleep(downMs);
  const restarted = await startDevServer({
    home: s.server.home,
    dbFile: state.dbFile,
    ip: state.ip,
    port: state.port,
    uiPort: state.uiPort,
  });
  if (restarted.alreadyRunning) throw new Error('a dev server was still running after kill -9');
  return { pid: state.pid, newPid: restarted.state?.pid ?? 0 };
}

export const serverRestart: ProofScenario = {
  name: 'fault/server-restart',
  kind: 'fault',
  claim:
    'the Temporal dev server SIGKILLed mid-install (etcd phase) and restarted on the same SQLite file: the install completes with a healthy cluster, no step completes twice and none is scheduled twice',
  minutes: 7,
  run: (ctx) =>
    withLab('pf-server', ctx.log, async (s) => {
      const downMs = envInt('PROOF_SERVER_DOWN_S', 10) * 1000;
      const t0 = Date.now();
      const { workflowId } = await s.client.startInstall({ cluster: s.cluster });
      // The etcd phase: members starting and waiting for each other, a step in flight on 3 hosts.
      await waitForProgress(s, workflowId, 'the etcd phase', (p) => phaseStatus(p, 'etcd') === 'running');
      const killedAt = Date.now();
      const { pid, newPid } = await killAndRestartServer(s, downMs);
      const backAt = Date.now();
      ctx.log(`server ${pid} killed, ${newPid} serving again after ${seconds(backAt - killedAt)} s`);
      const result = await installResult(s, workflowId);
      const history = workflowHistoryJson(s.server.address, workflowId);
      const records = activityRecords(history);
      const completedTwice = stepsCompletedTwice(records);
      const runTwice = stepsRunTwice(records);
      const next = firstActivityAfter(history, backAt);
      const health = await healthAfterFault(s);
      const completed = allPhasesDone(result);
      const figures = {
        installSeconds: seconds(Date.now() - t0),
        serverDownSeconds: seconds(backAt - killedAt),
        nextActivityAfterRestartS: next ? seconds(next.ms) : -1,
        stepsCompletedTwice: completedTwice.length,
        stepsScheduledTwice: runTwice.length,
        activities: records.length,
        healthy: health.ok,
      };
      return {
        ok: completed && completedTwice.length === 0 && runTwice.length === 0 && health.ok,
        summary: `server down ${figures.serverDownSeconds} s in the etcd phase: install ${completed ? 'completed' : 'NOT completed'} in ${figures.installSeconds} s, ${records.length} steps, completed twice ${completedTwice.length}, scheduled twice ${runTwice.length}, next step ${figures.nextActivityAfterRestartS} s after restart, healthy ${health.ok}`,
        figures,
        details: { completedTwice, runTwice, resumedWith: next?.step, health },
      };
    }),
};
