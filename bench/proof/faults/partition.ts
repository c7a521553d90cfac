// fault/partition: a host cut off the network (lab partition: its veth down, every packet
// dropped, the machine running on) while its upload of the binaries is in flight, healed later.
// The dead SSH connection is noticed (keepalives), the step retries, and the install finishes.
import { labHeal, labPartition } from '../../../lab';
import type { ProofScenario } from '../scenario';
import { allPhasesDone, envInt, seconds, withLab } from './common';
import { cutHostMidUpload } from './cut-mid-upload';
import { retriedSteps, stepsRunTwice } from './history';

const HOST = process.env.PROOF_PARTITION_HOST ?? 'worker-1';

export const partition: ProofScenario = {
  name: 'fault/partition',
  kind: 'fault',
  claim: `a host (${HOST}) partitioned while its binaries upload and healed 60 s later: the install finishes with a healthy cluster, no step scheduled twice, no partial upload left`,
  minutes: 8,
  run: (ctx) =>
    withLab('pf-partition', ctx.log, async (s) => {
      const o = await cutHostMidUpload(s, ctx.log, {
        host: HOST,
        cutName: 'partitioned',
        cut: () => labPartition(s.lab.name, HOST),
        restoreName: 'healed',
        restore: () => labHeal(s.lab.name, HOST),
        awayMs: envInt('PROOF_PARTITION_S', 60) * 1000,
      });
      const mine = o.records.find((r) => r.step.includes(o.step));
      const completed = allPhasesDone(o.result);
      const figures = {
        installSeconds: seconds(o.installMs),
        partitionedSeconds: seconds(o.awayMs),
        stepAttempts: mine?.attempts ?? 0,
        // Negative: the last attempt began before the heal (the connection outlived the partition).
        lastAttemptStartedAfterHealS: mine?.startedAt ? seconds(mine.startedAt - o.restoredAt) : 0,
        stepsScheduledTwice: stepsRunTwice(o.records).length,
        partialUploadsLeft: o.leftovers.length,
        healthy: o.health.ok,
      };
      return {
        ok: o.leftovers.length === 0 && completed && o.health.ok && figures.stepsScheduledTwice === 0,
        summary: `${HOST} partitioned ${figures.partitionedSeconds} s mid-upload: its step took ${figures.stepAttempts} attempts (last failure "${mine?.lastFailure ?? ''}"); install ${completed ? 'completed' : 'NOT completed'} in ${figures.installSeconds} s, healthy ${o.health.ok}`,
        figures,
        details: {
          leftovers: o.leftovers,
          seen: o.observations,
          retried: retriedSteps(o.records),
          health: o.health,
        },
      };
    }),
};
