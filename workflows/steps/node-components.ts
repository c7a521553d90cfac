// What makes a host a node: containerd, kubelet (TLS bootstrap) and kube-proxy (install, join).
import { steps } from '../../cluster/plan/steps';
import type { Cluster } from '../../cluster/spec';
import { acts, REMOTE_STEP_OPTIONS } from '../shared/activities';
import type { OperationTracker } from '../shared/tracker';

/** containerd, kubelet and kube-proxy on one host, as one step of `phase` (three activities in order). */
export async function ensureNodeComponents(
  t: OperationTracker,
  phase: string,
  cluster: Cluster,
  host: string,
): Promise<void> {
  const step = steps.nodeComponents(phase, host);
  await t.step(phase, step, async () => {
    // hakube's retry policy and heartbeat timeout, as for every remote step (executeWithOptions
    // takes its options whole, not merged with the proxy's).
    const options = (what: string) => ({
      ...REMOTE_STEP_OPTIONS,
      summary: `${step.key}: ${what}`,
      startToCloseTimeout: '5 minutes',
    });
    const input = { cluster, host };
    await acts.ensureContainerd.executeWithOptions(options('containerd'), [input]);
    await acts.ensureKubelet.executeWithOptions(options('kubelet'), [input]);
    await acts.ensureKubeProxy.executeWithOptions(options('kube-proxy'), [input]);
  });
}
