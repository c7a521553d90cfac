// fault/host-off: a host powered off (lab stop: its systemd halts) while its upload of the binaries
// is in flight, and powered on again after a minute. Meanwhile the operation's progress and the
// server's view of the step say it is waiting and retrying (recorded); the install then finishes.
import { labStartHost, labStopHost } from '../../../lab';
import type { ProofScenario } from '../scenario';
import { allPhasesDone, envInt, seconds, withLab } from './common';
import { cutHostMidUpload } from './cut-mid-upload';
import { retriedSteps, stepsRunTwice } from './history';

const HOST = process.env.PROOF_OFF_HOST ?? 'worker-2';

export const hostOff: ProofScenario = {
  name: 'fault/host-off',
  kind: 'fault',
  claim: `a host (${HOST}) powered off while its binaries upload and powered on 60 s later: meanwhile its step shows running with attempts retrying (recorded from the progress query and the server), then the install finishes with a healthy cluster and no partial upload left`,
  minutes: 8,
  run: (ctx) =>
    withLab('pf-hostoff', ctx.log, async (s) => {
      const o = await cutHostMidUpload(s, ctx.log, {
        host: HOST,
        cutName: 'powered off',
        cut: () => labStopHost(s.lab.name, HOST),
        restoreName: 'back',
        restore: () => labStartHost(s.lab.name, HOST),
        awayMs: envInt('PROOF_OFF_S', 60) * 1000,
      });
      const completed = allPhasesDone(o.result);
      const last = o.observations[o.observations.length - 1];
      const maxAttempt = Math.max(0, ...o.observations.map((x) => x.attempt ?? 0));
      // Waiting, visibly: still "running" in the progress, and the server retrying its attempts.
      const sawWaiting = o.observations.every((x) => x.progressStatus === 'running') && maxAttempt > 1;
      const figures = {
        installSeconds: seconds(o.installMs),
        offSeconds: seconds(o.awayMs),
        attemptsWhileOff: maxAttempt,
        stepsScheduledTwice: stepsRunTwice(o.records).length,
        partialUploadsLeft: o.leftovers.length,
        healthy: o.health.ok,
      };
      return {
        ok:
          o.leftovers.length === 0 &&
          completed &&
          sawWaiting &&
          o.health.ok &&
          figures.stepsScheduledTwice === 0,
        summary: `${HOST} off ${figures.offSeconds} s mid-upload: progress said "${last?.progressStatus}", attempt ${maxAttempt}, last failure "${last?.lastFailure ?? ''}"; install ${completed ? 'completed' : 'NOT completed'} in ${figures.installSeconds} s, healthy ${o.health.ok}`,
        figures,
        details: {
          leftovers: o.leftovers,
          observations: o.observations,
          retried: retriedSteps(o.records),
          health: o.health,
        },
      };
    }),
};
