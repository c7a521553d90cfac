// The network side of the reset lab test: a harmless host firewall rule is added before the
// reset and must survive it; after the reset no KUBE-/FLANNEL-/CNI- chain (in any backend or
// family the machine has), no rule jumping to one, no flannel.1/cni0/kube-ipvs0/nodelocaldns
// interface and no IPVS virtual server in the service CIDR is left.
import assert from 'node:assert/strict';
import { kubeProxyServers, parseIpvsSave, parseLinkNames } from '../../../cluster/plan/reset-network';
import type { Host } from '../../../activities/ssh';

/** The rule a user's firewall might hold: accept the discard port, marked so the test finds it. */
const KEEP_RULE = 'INPUT -p tcp --dport 9 -j ACCEPT -m comment --comment hakube-test-keep';
const LEFT_LINKS = ['flannel.1', 'cni0', 'kube-ipvs0', 'nodelocaldns'];
const OUR_CHAIN = /^:((?:KUBE|FLANNEL|CNI)-\S+)/gm;
const JUMP_TO_OURS = /^-A \S+ .*-[jg] ((?:KUBE|FLANNEL|CNI)-\S+)/gm;

/** Every backend and family the machine has (each missing tool prints nothing). */
const SAVE_ALL =
  'for t in iptables-legacy-save iptables-nft-save ip6tables-legacy-save ip6tables-nft-save iptables-save ip6tables-save; ' +
  'do command -v $t >/dev/null 2>&1 && $t 2>/dev/null; done; true';

export async function addKeptFirewallRule(host: Host): Promise<void> {
  await host.run(`iptables -C ${KEEP_RULE} 2>/dev/null || iptables -A ${KEEP_RULE}`);
}

export async function assertNetworkStateGone(host: Host, serviceCIDR: string): Promise<void> {
  const save = (await host.run(SAVE_ALL)).stdout;
  const chains = [...save.matchAll(OUR_CHAIN)].map((m) => m[1]);
  assert.deepEqual(chains, [], `${host.name}: cluster chains left`);
  const jumps = [...save.matchAll(JUMP_TO_OURS)].map((m) => m[0]);
  assert.deepEqual(jumps, [], `${host.name}: rules jumping to cluster chains left`);
  const links = parseLinkNames((await host.run('ip -o link show')).stdout).filter((l) =>
    LEFT_LINKS.includes(l),
  );
  assert.deepEqual(links, [], `${host.name}: interfaces left`);
  const ipvs = await host.exec('command -v ipvsadm >/dev/null 2>&1 && ipvsadm -S -n');
  if (ipvs.exitCode === 0) {
    const left = kubeProxyServers(parseIpvsSave(ipvs.stdout), serviceCIDR, []);
    assert.deepEqual(left, [], `${host.name}: IPVS virtual servers of the service CIDR left`);
  }
  const kept = await host.exec(`iptables -C ${KEEP_RULE}`);
  assert.equal(
    kept.exitCode,
    0,
    `${host.name}: the host's own rule (hakube-test-keep) did not survive the reset`,
  );
  await host.run(`iptables -D ${KEEP_RULE}`);
}
