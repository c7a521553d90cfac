// Add-ons applied from the first control-plane host with server-side apply, and approval of
// kubelet serving-certificate CSRs for the cluster's own nodes (what a serving-cert approver does).
import { renderCoreDns } from '../../cluster/manifests/coredns';
import { nodeHosts } from '../../cluster/topology';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { kubectl } from '../controlplane/control-plane';

export interface AddonsResult {
  applied: string[];
  approvedCsrs: string[];
  warnings: string[];
}

interface CsrList {
  items: {
    metadata: { name: string };
    spec: { signerName: string; username: string };
    status?: { conditions?: { type: string }[] };
  }[];
}

/** Approves pending kubelet-serving CSRs whose requester is one of the spec's nodes. */
async function approveServingCsrs(deps: { hosts: HostProvider }, input: HostInput): Promise<string[]> {
  const { host } = resolveHost(deps.hosts, input);
  const list = JSON.parse((await host.run(kubectl('get csr -o json'))).stdout) as CsrList;
  const nodes = new Set(nodeHosts(input.cluster).map((h) => `system:node:${h.name}`));
  const pending = list.items.filter(
    (csr) =>
      csr.spec.signerName === 'kubernetes.io/kubelet-serving' &&
      nodes.has(csr.spec.username) &&
      !(csr.status?.conditions ?? []).some((c) => c.type === 'Approved' || c.type === 'Denied'),
  );
  for (const csr of pending) await host.run(kubectl(`certificate approve ${csr.metadata.name}`));
  return pending.map((c) => c.metadata.name);
}

export function createAddonActivities(deps: { hosts: HostProvider }) {
  return {
    async applyAddons(input: HostInput): Promise<AddonsResult> {
      const { host } = resolveHost(deps.hosts, input);
      const apply = (manifest: string) =>
        host.run(kubectl('apply --server-side --force-conflicts --field-manager=hakube -f -'), {
          stdin: manifest,
        });
      const applied: string[] = [];
      await apply(renderCoreDns(input.cluster));
      applied.push('coredns');
      return { applied, approvedCsrs: await approveServingCsrs(deps, input), warnings: [] };
    },

    approveServingCsrs: (input: HostInput) => approveServingCsrs(deps, input),
  };
}
