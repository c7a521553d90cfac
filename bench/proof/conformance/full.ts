// conformance/full: on a fresh 3 + 2 lab installed by hakube, every Kubernetes [Conformance]
// test whose images the lab has (the bundle's, plus the e2e images `hakube conformance build`
// makes) runs and passes. Results (junit.xml, summary.txt/json, e2e.log) go under the run's
// results folder; the tests skipped for a missing image are named there with that image.
import { join } from 'node:path';
import { hakubeCache } from '../../../client/paths';
import { runConformance } from '../../../client/conformance-run';
import { countsLine } from '../../../cluster/conformance';
import { openLabSession } from '../../../test/helpers/lab-session';
import { envInt } from '../faults/common';
import { runInstall } from '../measure/install-run';
import type { ProofScenario } from '../scenario';

const LAB = 'pb-conform';

export const conformanceFull: ProofScenario = {
  name: 'conformance/full',
  kind: 'conformance',
  claim:
    'on a fresh 3 + 2 lab installed by hakube, every Kubernetes [Conformance] test whose images the lab has passes ' +
    '(e2e.test built from the Kubernetes module; skipped tests named with the image they lack)',
  minutes: 150,
  async run(ctx) {
    const session = await openLabSession({ name: LAB, log: ctx.log });
    try {
      const install = await runInstall(session, ctx.log);
      ctx.log(`installed in ${install.wallSeconds.toFixed(0)} s`);
      const parallel = envInt('PROOF_CONFORMANCE_PARALLEL', 3);
      const { summary, outDir } = await runConformance({
        cluster: session.cluster,
        cacheDir: hakubeCache(),
        outDir: join(ctx.resultsDir, 'conformance'),
        focus: process.env.PROOF_CONFORMANCE_FOCUS,
        timeout: process.env.PROOF_CONFORMANCE_TIMEOUT ?? '5h',
        parallel,
        onProgress: ctx.log,
      });
      ctx.log(`results in ${outDir}`);
      return {
        ok: summary.run > 0 && summary.failed === 0 && summary.noResult === 0,
        summary: countsLine(summary),
        figures: {
          conformanceTests: summary.conformanceTests,
          run: summary.run,
          passed: summary.passed,
          failed: summary.failed,
          skipped: summary.skipped,
          notRun: summary.noResult,
          parallel,
          minutes: Math.round(summary.seconds / 6) / 10,
        },
        details: { failures: summary.failures, skipped: summary.skippedTests, notRun: summary.notReported },
      };
    } finally {
      await session.close();
    }
  },
};
