// fault/disk-full: a host whose binaries folder is a 24 MiB tmpfs (mounted inside the machine
// before the install starts), too small for the binaries. The upload must fail clearly — typed
// DiskFull, naming the host, the file and the free space — and keep retrying; once the tmpfs is
// unmounted (space freed) the next attempt succeeds and the install completes.
import { BIN_DIR } from '../../../cluster/layout';
import { ErrorTypes } from '../../../cluster/errors';
import { eventually, workflowHistoryJson } from '../../../test/helpers/temporal';
import type { ProofScenario } from '../scenario';
import {
  allPhasesDone,
  healthAfterFault,
  inFlight,
  installResult,
  seconds,
  withLab,
  type InFlight,
} from './common';
import { activityRecords, stepsRunTwice } from './history';

const HOST = process.env.PROOF_DISK_HOST ?? 'worker-2';

export const diskFull: ProofScenario = {
  name: 'fault/disk-full',
  kind: 'fault',
  claim: `no space for the binaries on ${HOST} (a 24 MiB tmpfs on ${BIN_DIR}): its upload fails as ${ErrorTypes.DiskFull} naming the host and the free space, retries, and succeeds once space is freed; the install completes with a healthy cluster`,
  minutes: 7,
  run: (ctx) =>
    withLab('pf-diskfull', ctx.log, async (s) => {
      const host = s.on(HOST);
      await host.run(`mkdir -p ${BIN_DIR} && mount -t tmpfs -o size=24m pf-disk-full ${BIN_DIR}`);
      let mounted = true;
      try {
        const t0 = Date.now();
        const { workflowId } = await s.client.startInstall({ cluster: s.cluster });
        const step = `artifacts/binaries/${HOST}`;
        const failing = await eventually(
          async () =>
            (await inFlight(s, workflowId)).find((a) => a.step.includes(step) && a.lastFailure !== undefined),
          15 * 60_000,
          `a failed attempt of ${step}`,
          500,
        );
        // A couple more attempts: it keeps retrying with the same clear failure.
        const later: InFlight = await eventually(
          async () =>
            (await inFlight(s, workflowId)).find(
              (a) => a.step.includes(step) && a.attempt >= failing.attempt + 2,
            ),
          5 * 60_000,
          `more attempts of ${step}`,
          500,
        );
        ctx.log(`${HOST}: attempt ${later.attempt} failed: [${later.lastFailureType}] ${later.lastFailure}`);
        const freedAt = Date.now();
        await host.run(`umount ${BIN_DIR}`);
        mounted = false;
        const result = await installResult(s, workflowId);
        const records = activityRecords(workflowHistoryJson(s.server.address, workflowId));
        const mine = records.find((r) => r.step.includes(step));
        const health = await healthAfterFault(s);
        const completed = allPhasesDone(result);
        const clear =
          later.lastFailureType === ErrorTypes.DiskFull &&
          (later.lastFailure ?? '').startsWith(`${HOST}: no space left for ${BIN_DIR}/`) &&
          /MiB free in /.test(later.lastFailure ?? '');
        const figures = {
          installSeconds: seconds(Date.now() - t0),
          failureType: later.lastFailureType ?? '',
          attemptsBeforeFreed: later.attempt,
          stepAttempts: mine?.attempts ?? 0,
          doneAfterFreedS: mine?.startedAt ? seconds(mine.startedAt - freedAt) : -1,
          stepsScheduledTwice: stepsRunTwice(records).length,
          healthy: health.ok,
        };
        return {
          ok: clear && completed && health.ok && figures.stepsScheduledTwice === 0,
          summary: `${HOST} full: attempt ${later.attempt} said [${later.lastFailureType}] "${later.lastFailure}"; freed, the next attempt (${figures.doneAfterFreedS} s later) succeeded; install ${completed ? 'completed' : 'NOT completed'} in ${figures.installSeconds} s, healthy ${health.ok}`,
          figures,
          details: { firstFailure: failing, later, health },
        };
      } finally {
        if (mounted) await host.exec(`umount ${BIN_DIR}`);
      }
    }),
};
