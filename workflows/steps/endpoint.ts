// The API endpoint's load balancers (haproxy backends, keepalived peers) changed one host at a
// time, the endpoint answering after each (a join adds a backend, a removal drops one). Its steps
// are planned by endpointUpdateSteps (cluster/plan/steps.ts).
import { steps } from '../../cluster/plan/steps';
import type { Cluster, HostSpec } from '../../cluster/spec';
import { primaryControlPlane } from '../../cluster/topology';
import { acts, runStep, WAIT_GATE } from '../shared/activities';
import { oneHostAtATime } from '../shared/hosts';
import type { OperationTracker } from '../shared/tracker';

export async function updateEndpointOn(
  t: OperationTracker,
  phase: string,
  cluster: Cluster,
  hosts: HostSpec[],
): Promise<void> {
  const gate = primaryControlPlane(cluster).name;
  await oneHostAtATime(hosts, async (h) => {
    const on = { cluster, host: h.name };
    await runStep(t, phase, steps.endpointHaproxy(phase, h.name), acts.ensureHaproxy, [on]);
    await runStep(t, phase, steps.endpointKeepalived(phase, h.name), acts.ensureKeepalived, [on]);
    await runStep(
      t,
      phase,
      steps.endpointAnswers(phase, h.name, gate),
      acts.checkEndpoint,
      [{ cluster, host: gate }],
      WAIT_GATE,
    );
  });
}
