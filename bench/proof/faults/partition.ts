// fault/partition: a host cut off the network (lab partition: its veth down, every packet
// dropped, the machine running on) while its upload of the binaries is in flight, healed later.
// The dead SSH connection is noticed (keepalives), the step retries, and the install finishes.
import { labHeal, labPartition } from '../../../lab';
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

const HOST = process.env.PROOF_PARTITION_HOST ?? 'worker-1';

export const partition: ProofScenario = {
  name: 'fault/partition',
  kind: 'fault',
  claim: `a host (${HOST}) partitioned while its binaries upload and healed 60 s later: the install finishes with a healthy cluster, no step scheduled twice, no partial upload left`,
  minutes: 8,
  run: (ctx) =>
    withLab('pf-partition', ctx.log, async (s) => {
      const cutMs = envInt('PROOF_PARTITION_S', 60) * 1000;
      const step = `artifacts/binaries/${HOST}`;
      const t0 = Date.now();
      const { workflowId } = await s.client.startInstall({ cluster: s.cluster });
      await waitForProgress(s, workflowId, `${step} running`, (p) => stepOf(p, step)?.status === 'running');
      const partial = await uploadInFlight(s, HOST);
      const cutAt = Date.now();
      await labPartition(s.lab.name, HOST);
      ctx.log(`${HOST} partitioned while writing ${partial}`);
      const seen: { atS: number; attempt?: number; lastFailure?: string }[] = [];
      while (Date.now() - cutAt < cutMs) {
        await sleep(10_000);
        const mine = (await inFlight(s, workflowId)).find((a) => a.step.includes(step));
        seen.push({
          atS: seconds(Date.now() - cutAt),
          attempt: mine?.attempt,
          lastFailure: mine?.lastFailure,
        });
      }
      await labHeal(s.lab.name, HOST);
      const healedAt = Date.now();
      ctx.log(`${HOST} healed after ${seconds(healedAt - cutAt)} s`);
      const result = await installResult(s, workflowId);
      const records = activityRecords(workflowHistoryJson(s.server.address, workflowId));
      const mine = records.find((r) => r.step.includes(step));
      const leftovers = await partialUploads(s);
      const health = await clusterHealth(s);
      const completed = allPhasesDone(result);
      const figures = {
        installSeconds: seconds(Date.now() - t0),
        partitionedSeconds: seconds(healedAt - cutAt),
        stepAttempts: mine?.attempts ?? 0,
        // Negative: the last attempt began before the heal (the connection outlived the partition).
        lastAttemptStartedAfterHealS: mine?.startedAt ? seconds(mine.startedAt - healedAt) : 0,
        stepsScheduledTwice: stepsRunTwice(records).length,
        partialUploadsLeft: leftovers.length,
        healthy: health.healthy,
      };
      return {
        ok: leftovers.length === 0 && completed && health.healthy && figures.stepsScheduledTwice === 0,
        summary: `${HOST} partitioned ${figures.partitionedSeconds} s mid-upload: its step took ${figures.stepAttempts} attempts (last failure "${mine?.lastFailure ?? ''}"); install ${completed ? 'completed' : 'NOT completed'} in ${figures.installSeconds} s, healthy ${health.healthy}`,
        figures,
        details: { leftovers, seen, retried: retriedSteps(records), health },
      };
    }),
};
