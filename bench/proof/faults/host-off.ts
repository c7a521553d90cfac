// fault/host-off: a host powered off (lab stop: its systemd halts) while its upload of the binaries
// is in flight, and powered on again after a minute. Meanwhile the operation's progress and the
// server's view of the step say it is waiting and retrying (recorded); the install then finishes.
import { labStartHost, labStopHost } from '../../../lab';
import { workflowHistoryJson } from '../../../test/helpers/temporal';
import type { ProofScenario } from '../scenario';
import {
  allPhasesDone,
  clusterHealth,
  envInt,
  inFlight,
  installResult,
  partialUploads,
  seconds,
  sleep,
  stepOf,
  uploadInFlight,
  waitForProgress,
  withLab,
} from './common';
import { activityRecords, retriedSteps, stepsRunTwice } from './history';

const HOST = process.env.PROOF_OFF_HOST ?? 'worker-2';

interface Observation {
  atS: number;
  progressStatus?: string;
  attempt?: number;
  lastFailure?: string;
}

export const hostOff: ProofScenario = {
  name: 'fault/host-off',
  kind: 'fault',
  claim: `a host (${HOST}) powered off while its binaries upload and powered on 60 s later: meanwhile its step shows running with attempts retrying (recorded from the progress query and the server), then the install finishes with a healthy cluster and no partial upload left`,
  minutes: 8,
  run: (ctx) =>
    withLab('pf-hostoff', ctx.log, async (s) => {
      const offMs = envInt('PROOF_OFF_S', 60) * 1000;
      const step = `artifacts/binaries/${HOST}`;
      const t0 = Date.now();
      const { workflowId } = await s.client.startInstall({ cluster: s.cluster });
      await waitForProgress(s, workflowId, `${step} running`, (p) => stepOf(p, step)?.status === 'running');
      // The power goes off mid-transfer: a file is being written on the host.
      const partial = await uploadInFlight(s, HOST);
      const offAt = Date.now();
      await labStopHost(s.lab.name, HOST);
      ctx.log(`${HOST} powered off while writing ${partial} (halt took ${seconds(Date.now() - offAt)} s)`);
      const observations: Observation[] = [];
      while (Date.now() - offAt < offMs) {
        const p = await s.client.progress(workflowId);
        const mine = (await inFlight(s, workflowId)).find((a) => a.step.includes(step));
        observations.push({
          atS: seconds(Date.now() - offAt),
          progressStatus: stepOf(p, step)?.status,
          attempt: mine?.attempt,
          lastFailure: mine?.lastFailure,
        });
        await sleep(10_000);
      }
      await labStartHost(s.lab.name, HOST);
      const onAt = Date.now();
      ctx.log(`${HOST} back after ${seconds(onAt - offAt)} s`);
      const result = await installResult(s, workflowId);
      const records = activityRecords(workflowHistoryJson(s.server.address, workflowId));
      const leftovers = await partialUploads(s);
      const health = await clusterHealth(s);
      const completed = allPhasesDone(result);
      const last = observations[observations.length - 1];
      const maxAttempt = Math.max(0, ...observations.map((o) => o.attempt ?? 0));
      // Waiting, visibly: still "running" in the progress, and the server retrying its attempts.
      const sawWaiting = observations.every((o) => o.progressStatus === 'running') && maxAttempt > 1;
      const figures = {
        installSeconds: seconds(Date.now() - t0),
        offSeconds: seconds(onAt - offAt),
        attemptsWhileOff: maxAttempt,
        stepsScheduledTwice: stepsRunTwice(records).length,
        partialUploadsLeft: leftovers.length,
        healthy: health.healthy,
      };
      return {
        ok:
          leftovers.length === 0 &&
          completed &&
          sawWaiting &&
          health.healthy &&
          figures.stepsScheduledTwice === 0,
        summary: `${HOST} off ${figures.offSeconds} s mid-upload: progress said "${last?.progressStatus}", attempt ${maxAttempt}, last failure "${last?.lastFailure ?? ''}"; install ${completed ? 'completed' : 'NOT completed'} in ${figures.installSeconds} s, healthy ${health.healthy}`,
        figures,
        details: { leftovers, observations, retried: retriedSteps(records), health },
      };
    }),
};
