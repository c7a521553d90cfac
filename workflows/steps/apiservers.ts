// Apiservers restarted one at a time, each gated on its own /readyz, so the endpoint keeps
// answering: after a join or a removal their serving certificates and --etcd-servers change. Its
// steps are planned by apiserverRollSteps (cluster/plan/steps.ts).
import { steps } from '../../cluster/plan/steps';
import type { Cluster, HostSpec } from '../../cluster/spec';
import { acts, runStep, WAIT_GATE } from '../shared/activities';
import { oneHostAtATime } from '../shared/hosts';
import type { OperationTracker } from '../shared/tracker';
import { ensureCertificatesOn } from './certificates';

export async function rollApiservers(
  t: OperationTracker,
  phase: string,
  cluster: Cluster,
  hosts: HostSpec[],
): Promise<void> {
  await oneHostAtATime(hosts, async (h) => {
    const on = { cluster, host: h.name };
    await ensureCertificatesOn(t, cluster, h.name, phase);
    await runStep(t, phase, steps.rolledApiserver(phase, h.name), acts.ensureApiserver, [on]);
    await runStep(
      t,
      phase,
      steps.rolledReadyz(phase, h.name),
      acts.checkApiserverReady,
      [{ ...on, local: true }],
      WAIT_GATE,
    );
  });
}
