// gatherFacts: one SSH round trip per host for every preflight input. Changes nothing.
import type { Cluster } from '../../cluster/spec';
import { factsScript, parseFacts, vipProbeCommand } from '../../cluster/facts';
import type { GatheredFacts } from '../../cluster/preflight';
import { controlPlaneHosts } from '../../cluster/topology';
import { resolveHost, type HostInput, type HostProvider } from '../context';

function vipToProbe(c: Cluster, hostName: string): string | undefined {
  const ep = c.spec.controlPlaneEndpoint;
  if (ep.mode !== 'keepalived') return undefined;
  return controlPlaneHosts(c).some((h) => h.name === hostName) ? ep.vip.split('/')[0] : undefined;
}

export function createGatherFacts(deps: { hosts: HostProvider }) {
  return async function gatherFacts(input: HostInput): Promise<GatheredFacts> {
    const { host } = resolveHost(deps.hosts, input);
    const before = Date.now();
    const result = await host.run(factsScript(), { timeoutMs: 30_000 });
    const after = Date.now();
    const facts = parseFacts(result.stdout);
    const vip = vipToProbe(input.cluster, input.host);
    if (vip)
      facts.vipAnswers =
        (await host.run(vipProbeCommand(vip), { timeoutMs: 10_000 })).stdout.trim() === 'yes';
    // The host read its clock somewhere inside the round trip: compare with the midpoint.
    return { facts, skewMs: facts.epochMs - Math.round((before + after) / 2) };
  };
}
