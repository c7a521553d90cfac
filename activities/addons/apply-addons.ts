// Add-ons applied from the first control-plane host with server-side apply, and approval of
// kubelet serving-certificate CSRs for the cluster's own nodes (what a serving-cert approver does).
import { ApplicationFailure } from '@temporalio/common';
import { addonsFor } from '../../cluster/manifests/addons';
import { describeNotReady } from '../../cluster/manifests/addon-readiness';
import { parseDuration } from '../../cluster/duration';
import { reportProgress } from '../liveness';
import { waitForAddons } from './addon-status';
import { nodeHosts } from '../../cluster/topology';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { APPLY_STDIN, kubectl } from '../controlplane/control-plane';
import { NodeNotRegistered } from '../node/node-components';
import { requestedSubjectAltNames } from '../pki/x509';

export interface AddonsResult {
  applied: string[];
  approvedCsrs: string[];
  /** Add-ons whose workloads (and API services) were ready when the step ended. */
  ready?: string[];
  /** One per add-on object not ready, with the pods' most common reason. */
  warnings: string[];
}

interface CsrList {
  items: {
    metadata: { name: string };
    spec: { signerName: string; username: string; request: string };
    status?: { conditions?: { type: string }[] };
  }[];
}

export interface ServingCsrs {
  approved: string[];
  /** Pending serving CSRs left alone: a requester outside the spec, or names that are not the node's own. */
  refused: string[];
}

/**
 * Approves pending kubelet-serving CSRs of the spec's nodes whose names are only the node's own
 * (its name and address): what a serving-cert approver does. With `requireFor`, a gate: fails
 * (retried) until that node has an approved serving CSR.
 */
async function approveServingCsrs(
  deps: { hosts: HostProvider },
  input: HostInput & { requireFor?: string },
): Promise<ServingCsrs> {
  const { host } = resolveHost(deps.hosts, input);
  const list = JSON.parse((await host.run(kubectl('get csr -o json'))).stdout) as CsrList;
  const nodes = new Map(nodeHosts(input.cluster).map((h) => [`system:node:${h.name}`, h]));
  const decided = (csr: CsrList['items'][number]) =>
    (csr.status?.conditions ?? []).some((c) => c.type === 'Approved' || c.type === 'Denied');
  const serving = list.items.filter((csr) => csr.spec.signerName === 'kubernetes.io/kubelet-serving');
  const out: ServingCsrs = { approved: [], refused: [] };
  for (const csr of serving.filter((c) => !decided(c))) {
    const node = nodes.get(csr.spec.username);
    const own = node ? new Set([node.name, node.address]) : new Set<string>();
    if (
      !node ||
      !requestedSubjectAltNames(Buffer.from(csr.spec.request, 'base64').toString('utf8')).every((n) =>
        own.has(n),
      )
    ) {
      out.refused.push(csr.metadata.name);
      continue;
    }
    await host.run(kubectl(`certificate approve ${csr.metadata.name}`));
    out.approved.push(csr.metadata.name);
  }
  if (input.requireFor) {
    const user = `system:node:${input.requireFor}`;
    const has = serving.some(
      (c) => c.spec.username === user && (out.approved.includes(c.metadata.name) || decided(c)),
    );
    if (!has)
      throw ApplicationFailure.create({
        type: NodeNotRegistered,
        message: `no serving-certificate request from ${input.requireFor} yet`,
      });
  }
  return out;
}

export function createAddonActivities(deps: { hosts: HostProvider }) {
  return {
    /** Applies every add-on of the spec (server-side apply: a re-run changes nothing), approves the nodes' serving CSRs, then waits up to spec.addons.readyTimeout for the add-ons to run and reports the ones that do not. */
    async applyAddons(input: HostInput): Promise<AddonsResult> {
      const { host } = resolveHost(deps.hosts, input);
      const addons = addonsFor(input.cluster);
      const applied: string[] = [];
      for (const addon of addons) {
        reportProgress({ addon: addon.name, applied });
        await host.run(kubectl(APPLY_STDIN), {
          stdin: addon.manifest,
        });
        applied.push(addon.name);
      }
      const approvedCsrs = (await approveServingCsrs(deps, input)).approved;
      const timeoutMs = parseDuration(input.cluster.spec.addons.readyTimeout) ?? 0;
      const readiness = await waitForAddons(host, addons, timeoutMs);
      return {
        applied,
        approvedCsrs,
        ready: readiness.ready,
        warnings: readiness.notReady.map(
          (n) =>
            `${describeNotReady(n)}${timeoutMs > 0 ? ` after ${input.cluster.spec.addons.readyTimeout}` : ''}`,
        ),
      };
    },

    approveServingCsrs: (input: HostInput & { requireFor?: string }) => approveServingCsrs(deps, input),
  };
}
