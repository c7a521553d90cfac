// admin.conf's group (hakube:cluster-admins) has rights only through its ClusterRoleBinding, so
// the binding must exist before an admin.conf in that group replaces one that is not. A fresh
// install creates it in its RBAC step (with super-admin.conf, once the apiserver runs); a
// control-plane host joining a running cluster, and a cluster whose admin.conf is still a
// system:masters one (installed before the split), get it here, before the new admin.conf.
import { ApplicationFailure } from '@temporalio/common';
import { kubeconfigs } from '../../cluster/layout';
import { APPLY_STDIN, kubectl } from '../controlplane/control-plane';
import { ErrorTypes } from '../../cluster/errors';
import { renderClusterAdminsBinding } from '../../cluster/manifests/rbac';
import type { Host } from '../ssh';

const apply = (kubeconfig: string, timeout: string) => kubectl(APPLY_STDIN, kubeconfig, timeout);

/** What the host's admin.conf is before the new one is written. */
export type CurrentAdminConf = 'absent' | 'in the group' | 'outside the group';

export async function ensureClusterAdminsBinding(
  host: Host,
  current: CurrentAdminConf,
): Promise<'bound already' | 'applied' | 'left to the install'> {
  // Made in the group means the binding was there when it was made: nothing to ask the cluster.
  if (current === 'in the group') return 'bound already';
  const manifest = { stdin: renderClusterAdminsBinding() };
  if (current === 'absent') {
    // A joining host reaches the running cluster; on a fresh install nothing answers yet, and the
    // install's RBAC step applies it: short, and its failure is expected.
    const r = await host.exec(apply(kubeconfigs.superAdmin, '5s'), manifest);
    return r.exitCode === 0 ? 'applied' : 'left to the install';
  }
  // The one-time move off system:masters: the old admin.conf still has every right (the new
  // super-admin.conf, issued just before, when the old one has expired). Without a cluster that
  // answers, the old admin.conf stays: the new one would have no rights.
  const errors: string[] = [];
  for (const kubeconfig of [kubeconfigs.admin, kubeconfigs.superAdmin]) {
    const r = await host.exec(apply(kubeconfig, '20s'), manifest);
    if (r.exitCode === 0) return 'applied';
    errors.push(`${kubeconfig}: ${(r.stderr || r.stdout).trim()}`);
  }
  throw ApplicationFailure.create({
    type: ErrorTypes.ApiserverNotReady,
    message: `${host.name}: admin.conf moves from system:masters to the group hakube:cluster-admins, whose ClusterRoleBinding must exist first; applying it failed (${errors.join('; ')})`,
  });
}
