// fault/sshd-restart: the SSH daemon restarted on hosts while hakube's upload of the binaries runs
// there. Two kinds: `systemctl restart ssh` (what a package upgrade does: the listener restarts,
// open sessions live on) on one host, and every sshd process SIGKILLed then ssh started again
// (open sessions cut mid-transfer) on another. The install finishes; no partial upload is left.
import { workflowHistoryJson } from '../../../test/helpers/temporal';
import { shq } from '../../../activities/ssh/shell';
import type { LabSession } from '../../../test/helpers/lab-session';
import type { ProofScenario } from '../scenario';
import {
  allPhasesDone,
  healthAfterFault,
  installResult,
  partialUploads,
  seconds,
  stepOf,
  uploadInFlight,
  waitForProgress,
  withLab,
} from './common';
import { activityRecords, stepsRunTwice } from './history';

const GENTLE = 'worker-1';
const HARD = 'worker-2';

/**
 * Runs `script` in a transient unit of the host's systemd: it must outlive the SSH session it
 * was started from (the hard restart kills that session too).
 */
async function detached(s: LabSession, host: string, unit: string, script: string): Promise<void> {
  await s.on(host).run(`systemd-run --no-block --unit=${unit} --collect sh -c ${shq(script)}`);
}

async function sshdPids(s: LabSession, host: string): Promise<string> {
  return (await s.on(host).exec('pgrep -x sshd | sort -n | tr "\\n" " "')).stdout.trim();
}

export const sshdRestart: ProofScenario = {
  name: 'fault/sshd-restart',
  kind: 'fault',
  claim: `sshd restarted mid-upload: \`systemctl restart ssh\` on ${GENTLE} (sessions survive) and every sshd SIGKILLed then started again on ${HARD} (sessions cut): the install finishes with a healthy cluster, no step scheduled twice, no partial upload left on the hosts`,
  minutes: 7,
  run: (ctx) =>
    withLab('pf-sshd', ctx.log, async (s) => {
      const t0 = Date.now();
      const { workflowId } = await s.client.startInstall({ cluster: s.cluster });
      const stepKey = (h: string) => `artifacts/binaries/${h}`;
      await waitForProgress(s, workflowId, 'the uploads', (p) =>
        [GENTLE, HARD].every((h) => stepOf(p, stepKey(h))?.status === 'running'),
      );
      const gentleFile = await uploadInFlight(s, GENTLE);
      const before = await sshdPids(s, GENTLE);
      await detached(s, GENTLE, 'pf-sshd-restart', 'systemctl restart ssh');
      ctx.log(`${GENTLE}: systemctl restart ssh while writing ${gentleFile} (sshd pids were ${before})`);
      const hardFile = await uploadInFlight(s, HARD);
      await detached(
        s,
        HARD,
        'pf-sshd-kill',
        'sleep 1; pkill -KILL -x sshd; sleep 1; systemctl reset-failed ssh; systemctl restart ssh',
      );
      ctx.log(`${HARD}: every sshd SIGKILLed while writing ${hardFile}`);
      const result = await installResult(s, workflowId);
      const records = activityRecords(workflowHistoryJson(s.server.address, workflowId));
      const attemptsOf = (h: string) => records.find((r) => r.step.includes(stepKey(h)));
      const leftovers = await partialUploads(s);
      const health = await healthAfterFault(s);
      const completed = allPhasesDone(result);
      const gentle = attemptsOf(GENTLE);
      const hard = attemptsOf(HARD);
      const figures = {
        installSeconds: seconds(Date.now() - t0),
        gentleAttempts: gentle?.attempts ?? 0,
        hardAttempts: hard?.attempts ?? 0,
        partialUploadsLeft: leftovers.length,
        stepsScheduledTwice: stepsRunTwice(records).length,
        healthy: health.ok,
      };
      return {
        ok:
          completed &&
          health.ok &&
          figures.stepsScheduledTwice === 0 &&
          leftovers.length === 0 &&
          figures.hardAttempts > 1,
        summary: `ssh restarted on ${GENTLE} (upload took ${figures.gentleAttempts} attempt(s)), sshd killed on ${HARD} (${figures.hardAttempts} attempts, last failure "${hard?.lastFailure ?? ''}"); install ${completed ? 'completed' : 'NOT completed'} in ${figures.installSeconds} s, partial uploads left ${leftovers.length}, healthy ${health.ok}`,
        figures,
        details: { leftovers, health, gentle, hard },
      };
    }),
};
