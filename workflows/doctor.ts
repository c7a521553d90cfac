// doctor: `hakube doctor` as a workflow, so a diagnosis shows in the Web UI and its report stays
// in the history. Read-only: every host is looked at once (a host that cannot be reached is a
// finding), the cluster through a control-plane host whose apiserver answers, then judged by the
// same pure code as `hakube doctor --direct` (cluster/doctor/report.ts).
import type { ActivityOptions } from '@temporalio/workflow';
import type { ClusterView, HostLook } from '../cluster/doctor/cluster-findings';
import {
  certificatesUnreadable,
  clusterViewHost,
  doctorReport,
  type DoctorReport,
} from '../cluster/doctor/report';
import { ErrorTypes } from '../cluster/errors';
import { DOCTOR_PHASES } from '../cluster/plan/doctor';
import type { CertReportRow } from '../cluster/pki/cert-report';
import type { Cluster } from '../cluster/spec';
import { acts, runStep } from './shared/activities';
import { onEachHost } from './shared/hosts';
import { Operation, withBodies, type OperationRun } from './shared/operation';
import { failureText } from './shared/outcome';

export interface DoctorInput {
  cluster: Cluster;
  /** How the user names the spec file, for the fixes it prints (`hakube certs rotate -f FILE`). */
  specFile: string;
}

/** A look is quick and read-only: tried twice, never waited on like a step that must happen. */
const LOOK: Partial<ActivityOptions> = {
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 2, initialInterval: '1 second' },
};

interface DoctorRun extends OperationRun {
  input: DoctorInput;
  looks: HostLook[];
  certificates: CertReportRow[];
  view?: ClusterView;
  report?: DoctorReport;
}

async function lookAtHosts(run: DoctorRun): Promise<void> {
  const { t, input } = run;
  const { cluster } = input;
  const looked = await onEachHost(cluster.spec.hosts, async (h) => {
    const on = { cluster, host: h.name };
    const look = await runStep(
      t,
      'hosts',
      { key: `hosts/probe/${h.name}`, title: 'units, disks, clock, services', host: h.name },
      acts.probeHostForDoctor,
      [on],
      LOOK,
    );
    if (!look.probe) return { look, certificates: [] };
    const certificates = await runStep(
      t,
      'hosts',
      { key: `hosts/certificates/${h.name}`, title: 'certificates, SANs, issuers, expiry', host: h.name },
      acts.checkHostCertificates,
      [on],
      LOOK,
    ).catch((err: unknown) => [certificatesUnreadable(h.name, failureText(err))]);
    return { look, certificates };
  });
  run.looks = looked.map((l) => l.look);
  run.certificates = looked.flatMap((l) => l.certificates);
}

/** Through a control-plane host whose own apiserver answered /readyz (clusterViewHost). */
async function lookAtCluster(run: DoctorRun): Promise<void> {
  const { t, input } = run;
  const via = clusterViewHost(input.cluster, run.looks);
  run.view = await runStep(
    t,
    'cluster',
    { key: 'cluster/view', title: 'Node objects and etcd members', host: via },
    acts.readClusterView,
    [{ cluster: input.cluster, host: via }],
    LOOK,
  );
}

async function report(run: DoctorRun): Promise<void> {
  run.report = doctorReport({
    cluster: run.input.cluster,
    specFile: run.input.specFile,
    at: run.view?.at ?? run.looks[0]?.at ?? '',
    looks: run.looks,
    view: run.view,
    certificates: run.certificates,
  });
  for (const f of run.report.findings)
    if (f.severity !== 'info') run.t.progress.warnings.push(`${f.severity}: ${f.message}`);
}

const PHASES = withBodies<(typeof DOCTOR_PHASES)[number]['name'], DoctorRun>(DOCTOR_PHASES, {
  hosts: lookAtHosts,
  cluster: lookAtCluster,
  report,
});

export async function doctor(input: DoctorInput): Promise<DoctorReport> {
  const op = new Operation<DoctorRun>('doctor', input.cluster.metadata.name, PHASES, {
    failureType: ErrorTypes.OperationFailed,
  });
  const run: DoctorRun = { t: op.t, input, looks: [], certificates: [] };
  await op.run(run);
  if (!run.report) throw new Error('doctor ended without a report');
  return run.report;
}
