// A node's part of an upgrade, through kubectl on a control-plane host (`via`): cordon and drain
// that honours PodDisruptionBudgets (a blocked drain fails retryably naming the budget, so the
// workflow waits and `hakube watch` shows why), the gate that the node is Ready at the target
// kubelet version, and uncordon.
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from '../../cluster/errors';
import { blockingBudgets, parseEvictionBlocks, type PdbList } from '../../cluster/upgrade/drain';
import { kubectl } from '../controlplane/control-plane';
import { evictedPods } from '../node/node-lifecycle';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { shq } from '../ssh/shell';

export interface ViaInput extends HostInput {
  /** The control-plane host that runs kubectl. */
  via: string;
}

/** One drain attempt runs this long before it reports what blocks it and is retried. */
export const DRAIN_ATTEMPT_SECONDS = 90;

export function createUpgradeNodeActivities(deps: { hosts: HostProvider }) {
  const kubectlOn = (input: ViaInput) =>
    resolveHost(deps.hosts, { cluster: input.cluster, host: input.via }).host;
  return {
    /** Cordons and drains; DaemonSet pods stay. A PodDisruptionBudget that blocks is named in a retryable failure. */
    async drainForUpgrade(input: ViaInput): Promise<{ node: string; evicted: string[] }> {
      const host = kubectlOn(input);
      const node = shq(input.host);
      await host.run(kubectl(`cordon ${node}`));
      const r = await host.exec(
        kubectl(
          `drain ${node} --ignore-daemonsets --delete-emptydir-data --timeout=${DRAIN_ATTEMPT_SECONDS}s`,
          undefined,
          '30s',
        ),
        { timeoutMs: (DRAIN_ATTEMPT_SECONDS + 60) * 1000 },
      );
      if (r.exitCode === 0)
        return {
          node: input.host,
          evicted: evictedPods(r.stdout),
        };
      const blocked = parseEvictionBlocks(r.stderr);
      if (blocked.length === 0)
        throw ApplicationFailure.create({
          type: ErrorTypes.RemoteCommandFailed,
          message: `drain of ${input.host} failed (the node stays cordoned): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
        });
      const pdbs = await host.exec(kubectl('get pdb -A -o json'));
      const budgets = pdbs.exitCode === 0 ? blockingBudgets(JSON.parse(pdbs.stdout) as PdbList, blocked) : [];
      throw ApplicationFailure.create({
        type: ErrorTypes.DrainBlocked,
        message:
          `drain of ${input.host} waits: ${blocked.map((b) => `${b.namespace}/${b.pod}`).join(', ')} cannot be evicted yet` +
          (budgets.length
            ? ` (PodDisruptionBudget ${budgets.map((b) => `${b.namespace}/${b.name}: ${b.allowed} disruptions allowed, ${b.healthy}/${b.desired} healthy`).join('; ')})`
            : ' (a PodDisruptionBudget allows no disruption now)') +
          '; retried until it clears (the node stays cordoned)',
      });
    },

    async uncordonNode(input: ViaInput): Promise<{ node: string }> {
      await kubectlOn(input).run(kubectl(`uncordon ${shq(input.host)}`));
      return { node: input.host };
    },

    /** Gate: the node is Ready and its kubelet reports `version` (or any version when omitted). */
    async checkNodeAtVersion(
      input: ViaInput & { version?: string },
    ): Promise<{ node: string; kubeletVersion: string; ready: string }> {
      const r = await kubectlOn(input).exec(
        kubectl(
          `get node ${shq(input.host)} -o ${shq('jsonpath={.status.nodeInfo.kubeletVersion} {.status.conditions[?(@.type=="Ready")].status}')}`,
        ),
      );
      const [kubeletVersion = '', ready = 'Unknown'] = r.stdout.trim().split(/\s+/);
      if (r.exitCode !== 0 || ready !== 'True' || (input.version && kubeletVersion !== input.version))
        throw ApplicationFailure.create({
          type: ErrorTypes.NodeNotAtVersion,
          message: `node ${input.host}: ${
            r.exitCode !== 0
              ? r.stderr.trim() || 'not found'
              : `Ready=${ready}, kubelet ${kubeletVersion || 'unknown'}${input.version ? ` (waiting for ${input.version})` : ''}`
          }`,
        });
      return { node: input.host, kubeletVersion, ready };
    },
  };
}
