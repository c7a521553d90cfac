// The cluster's network state on one host (cluster/plan/reset-network.ts says what): a read-only
// look that prints iptables-save of each backend and family, the interfaces, the IPv4 addresses
// and (kube-proxy in IPVS mode, ipvsadm installed) the IPVS table; and the removal of exactly
// what it found. Every removal starts from a fresh look, so a retry after a crash does what is
// left, and a second run finds nothing and does nothing.
import {
  SECTION_MARK,
  parseNetworkInspection,
  virtualServerText,
  type NetworkInspection,
  type NetworkResetPlan,
  type VirtualServer,
} from '../../cluster/plan/reset-network';
import { removalRestoreInput } from '../../cluster/plan/reset-iptables';
import type { Host } from '../ssh';
import { shq } from '../ssh/shell';

export interface NetworkResetDone {
  /** Chains deleted, as `<tool> <table> <chain>`. */
  deletedChains: string[];
  /** Rules of other chains deleted because they jumped to the cluster's chains. */
  deletedJumps: number;
  deletedLinks: string[];
  removedAddresses: string[];
  clearedVirtualServers: string[];
  notes: string[];
}

/**
 * Each family's save tools: both backends where the host has both (kube-proxy on the host and
 * flannel or calico in their pods may have picked different ones), else the plain command.
 */
function iptablesSection(family: 'iptables' | 'ip6tables'): string {
  const dump = (tool: string) =>
    `if command -v ${tool}-save >/dev/null 2>&1; then found=1; ` +
    `if out=$(${tool}-save 2>/dev/null); then echo '${SECTION_MARK}iptables ${tool}'; printf '%s\\n' "$out"; ` +
    `else echo '${SECTION_MARK}iptables-failed ${tool}'; ${tool}-save 2>&1 >/dev/null | head -n 3; fi; fi`;
  return [
    'found=',
    dump(`${family}-legacy`),
    dump(`${family}-nft`),
    `if [ -z "$found" ]; then ${dump(family)}; fi`,
  ].join('\n');
}

/** Prints what parseNetworkInspection reads; changes nothing. */
export function networkInspectionScript(plan: NetworkResetPlan): string {
  const lines = [
    iptablesSection('iptables'),
    iptablesSection('ip6tables'),
    `echo '${SECTION_MARK}links'`,
    'ip -o link show',
    `echo '${SECTION_MARK}addresses'`,
    'ip -o -4 address show',
  ];
  if (plan.ipvs)
    lines.push(`if command -v ipvsadm >/dev/null 2>&1; then echo '${SECTION_MARK}ipvs'; ipvsadm -S -n; fi`);
  lines.push('true');
  return lines.join('\n');
}

export async function inspectNetwork(host: Host, plan: NetworkResetPlan): Promise<NetworkInspection> {
  const r = await host.run(networkInspectionScript(plan), { timeoutMs: 120_000 });
  return parseNetworkInspection(plan, r.stdout);
}

const IPVS_FLAG: Record<VirtualServer['protocol'], string> = { tcp: '-t', udp: '-u', sctp: '--sctp-service' };

export const deleteVirtualServerCommand = (v: VirtualServer) =>
  `ipvsadm -D ${IPVS_FLAG[v.protocol]} ${shq(`${v.address}:${v.port}`)}`;

/**
 * Removes what a fresh look finds, in dependency order: IPVS servers (they name kube-ipvs0's
 * addresses), then iptables (jumps, then chains), then interfaces, then the loopback address.
 */
export async function resetNetwork(
  host: Host,
  plan: NetworkResetPlan,
  say: (line: string) => void,
): Promise<NetworkResetDone> {
  const seen = await inspectNetwork(host, plan);
  const done: NetworkResetDone = {
    deletedChains: [],
    deletedJumps: 0,
    deletedLinks: [],
    removedAddresses: [],
    clearedVirtualServers: [],
    notes: [...seen.notes],
  };
  if (seen.ipvs && !seen.ipvs.ipvsadm)
    done.notes.push("ipvsadm is not installed: kube-proxy's IPVS virtual servers were not cleared");
  for (const v of seen.ipvs?.servers ?? []) {
    say(`ipvsadm -D ${virtualServerText(v)}`);
    await host.run(deleteVirtualServerCommand(v));
    done.clearedVirtualServers.push(virtualServerText(v));
  }
  for (const tool of new Set(seen.iptables.map((f) => f.tool))) {
    const findings = seen.iptables.filter((f) => f.tool === tool);
    const chains = findings.reduce((n, f) => n + f.chains.length, 0);
    const jumps = findings.reduce((n, f) => n + f.jumps.length, 0);
    say(`${tool}-restore --noflush: delete ${jumps} jump(s) and ${chains} chain(s)`);
    // The rules travel on stdin, never through the shell; the tool name is one of IPTABLES_TOOLS.
    await host.run(`${tool}-restore --noflush`, { stdin: removalRestoreInput(findings), timeoutMs: 120_000 });
    done.deletedJumps += jumps;
    done.deletedChains.push(...findings.flatMap((f) => f.chains.map((c) => `${tool} ${f.table} ${c}`)));
  }
  for (const link of seen.links) {
    say(`ip link delete ${link}`);
    // Gone in between (a veth whose peer went with its pod): the look after the reset says so if not.
    const r = await host.exec(`ip link delete dev ${shq(link)}`);
    if (r.exitCode === 0) done.deletedLinks.push(link);
    else done.notes.push(`ip link delete ${link}: ${r.stderr.trim().slice(0, 200)}`);
  }
  if (seen.loopbackAddress) {
    say(`ip address del ${seen.loopbackAddress} dev lo`);
    await host.run(`ip address del ${shq(seen.loopbackAddress)} dev lo`);
    done.removedAddresses.push(`${seen.loopbackAddress} on lo`);
  }
  return done;
}
