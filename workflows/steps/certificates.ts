// A host's certificates and kubeconfigs (install, join, and the apiservers a join or a removal
// re-issues serving certificates for).
import { steps } from '../../cluster/plan/steps';
import type { Cluster } from '../../cluster/spec';
import { acts, runStep } from '../shared/activities';
import type { OperationTracker } from '../shared/tracker';

/** A host's certificates and kubeconfigs, issued from the CAs on the first control-plane host. */
export function ensureCertificatesOn(
  t: OperationTracker,
  cluster: Cluster,
  host: string,
  phase = 'certs',
): Promise<unknown> {
  return runStep(t, phase, steps.hostCertificates(host, phase), acts.ensureHostCertificates, [
    { cluster, host },
  ]);
}
