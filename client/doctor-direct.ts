// `hakube doctor --direct`: the same looks as the doctor workflow, run from this process over
// SSH without Temporal — for when the Temporal server or the worker is what is broken — and
// judged by the same code (cluster/doctor/report.ts).
import { createCertificateCheckActivities } from '../activities/pki/check-certificates';
import { createDoctorActivities } from '../activities/doctor/diagnose';
import { withSshHostProvider } from '../activities/ssh-hosts';
import type { HostLook } from '../cluster/doctor/cluster-findings';
import { doctorReport, type DoctorReport } from '../cluster/doctor/report';
import type { CertReportRow } from '../cluster/pki/cert-report';
import type { Cluster } from '../cluster/spec';
import { controlPlaneHosts, primaryControlPlane } from '../cluster/topology';

export async function doctorDirect(cluster: Cluster, specFile: string): Promise<DoctorReport> {
  return withSshHostProvider(async (hosts) => {
    const doctor = createDoctorActivities({ hosts });
    const certs = createCertificateCheckActivities({ hosts });
    const looked = await Promise.all(
      cluster.spec.hosts.map(async (h) => {
        const on = { cluster, host: h.name };
        const look: HostLook = await doctor.probeHostForDoctor(on);
        const certificates: CertReportRow[] = look.probe
          ? await certs.checkHostCertificates(on).catch((err: unknown) => [unreadable(h.name, err)])
          : [];
        return { look, certificates };
      }),
    );
    const looks = looked.map((l) => l.look);
    const answering = controlPlaneHosts(cluster).find(
      (h) => looks.find((l) => l.host === h.name)?.probe?.controlPlane?.readyz === 'ok',
    );
    const view = await doctor.readClusterView({
      cluster,
      host: (answering ?? primaryControlPlane(cluster)).name,
    });
    return doctorReport({
      cluster,
      specFile,
      at: view.at,
      looks,
      view,
      certificates: looked.flatMap((l) => l.certificates),
    });
  });
}

/** A host whose certificates could not be read: said as a row, so the report names it. */
export function unreadable(host: string, err: unknown): CertReportRow {
  const detail = (err instanceof Error ? err.message : String(err)).slice(0, 300);
  return { host, path: '-', sans: [], status: 'unreadable', detail };
}
