// An upgrade's preflight: every host's versions, the target bundle, etcd, the endpoint and every
// host's certificates read, then judged at once (cluster/upgrade/preflight.ts). Nothing changes
// when it fails.
import { ApplicationFailure } from '@temporalio/workflow';
import type { BundleSummary } from '../../activities/artifacts/ensure-binaries';
import type { MemberStatus } from '../../cluster/backup/snapshots';
import { ErrorTypes } from '../../cluster/errors';
import { upgradeSteps } from '../../cluster/plan/upgrade';
import type { CertReportRow } from '../../cluster/pki/cert-report';
import { etcdHosts, nodeHosts, primaryControlPlane } from '../../cluster/topology';
import { evaluateUpgradePreflight } from '../../cluster/upgrade/preflight';
import { acts, runStep } from '../shared/activities';
import { onEachHost } from '../shared/hosts';
import { retry3, roleOf, type UpgradeRun } from './run';

export async function preflight(run: UpgradeRun): Promise<void> {
  const { t, cluster } = run;
  const phase = 'preflight';
  run.versions = await onEachHost(cluster.spec.hosts, (h) =>
    runStep(
      t,
      phase,
      upgradeSteps.versions(h.name),
      acts.readHostVersions,
      [{ cluster, host: h.name }],
      retry3,
    ),
  );
  const bundle: BundleSummary = await runStep(
    t,
    phase,
    upgradeSteps.bundle(),
    acts.inspectBundle,
    [{ bundleDir: run.input.bundleDir }],
    { startToCloseTimeout: '1 hour' },
  );
  const first = primaryControlPlane(cluster).name;
  const etcdVia = etcdHosts(cluster)[0]?.name ?? first;
  const etcd: MemberStatus[] = await runStep(
    t,
    phase,
    upgradeSteps.etcd(etcdVia),
    acts.etcdMemberStatus,
    [{ cluster, host: etcdVia }],
    retry3,
  );
  await runStep(
    t,
    phase,
    upgradeSteps.endpoint(first),
    acts.checkApiserverReady,
    [{ cluster, host: first }],
    retry3,
  );
  const certificates: CertReportRow[] = (
    await onEachHost(cluster.spec.hosts, (h) =>
      runStep(
        t,
        phase,
        upgradeSteps.certificates(h.name),
        acts.checkHostCertificates,
        [{ cluster, host: h.name }],
        retry3,
      ),
    )
  ).flat();
  await t.step(phase, upgradeSteps.evaluate(), async () => {
    const report = evaluateUpgradePreflight({
      cluster,
      to: run.to,
      versions: run.versions,
      bundle,
      etcd,
      certificates,
      snapshotWanted:
        !(run.input.skipPhases ?? []).includes('snapshot') &&
        (!run.input.onlyPhases?.length || run.input.onlyPhases.includes('snapshot')),
    });
    t.progress.warnings.push(...report.warnings);
    run.from = report.from;
    run.current = report.current;
    for (const h of report.current) {
      const host = nodeHosts(cluster).find((x) => x.name === h);
      if (host) run.hosts.push({ host: h, role: roleOf(host), outcome: 'current', restarted: [] });
    }
    if (report.errors.length)
      throw ApplicationFailure.create({
        type: ErrorTypes.PreflightFailed,
        message: `upgrade preflight found ${report.errors.length} problem(s):\n${report.errors.join('\n')}`,
        details: [report],
        nonRetryable: true,
      });
  });
}
