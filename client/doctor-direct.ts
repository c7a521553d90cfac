// `hakube doctor --direct`: the same looks as the doctor workflow, run from this process over
// SSH without Temporal — for when the Temporal server or the worker is what is broken — and
// judged by the same code (cluster/doctor/report.ts).
import { createCertificateCheckActivities } from '../activities/pki/check-certificates';
import { createDoctorActivities } from '../activities/doctor/diagnose';
import { withSshHostProvider } from '../activities/ssh-hosts';
import type { HostLook } from '../cluster/doctor/cluster-findings';
import {
  certificatesUnreadable,
  clusterViewHost,
  doctorReport,
  type DoctorReport,
} from '../cluster/doctor/report';
import type { CertReportRow } from '../cluster/pki/cert-report';
import type { Cluster } from '../cluster/spec';

export async function doctorDirect(cluster: Cluster, specFile: string): Promise<DoctorReport> {
  return withSshHostProvider(async (hosts) => {
    const doctor = createDoctorActivities({ hosts });
    const certs = createCertificateCheckActivities({ hosts });
    const looked = await Promise.all(
      cluster.spec.hosts.map(async (h) => {
        const on = { cluster, host: h.name };
        const look: HostLook = await doctor.probeHostForDoctor(on);
        const certificates: CertReportRow[] = look.probe
          ? await certs
              .checkHostCertificates(on)
              .catch((err: unknown) => [certificatesUnreadable(h.name, errorText(err))])
          : [];
        return { look, certificates };
      }),
    );
    const looks = looked.map((l) => l.look);
    const view = await doctor.readClusterView({ cluster, host: clusterViewHost(cluster, looks) });
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

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
