// Add-ons: rendered from versioned templates with the spec's values and applied with
// server-side apply from the first control-plane host.
import { primaryControlPlane } from '../../cluster/topology';
import { acts, runStep } from '../shared/activities';
import type { InstallContext } from './context';

export async function applyAddons(ctx: InstallContext): Promise<void> {
  const primary = primaryControlPlane(ctx.cluster).name;
  const r = await runStep(
    ctx.tracker,
    'addons',
    {
      key: 'addons/apply',
      title: 'CNI, CoreDNS, node-local DNS, metrics-server, serving-cert approver',
      host: primary,
    },
    acts.applyAddons,
    [{ cluster: ctx.cluster, host: primary }],
  );
  ctx.tracker.progress.warnings.push(...r.warnings);
}
