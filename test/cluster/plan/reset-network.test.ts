import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clusterChainsIn,
  isClusterChain,
  parseIptablesSave,
  removalRestoreInput,
  ruleWords,
  summariseChains,
} from '../../../cluster/plan/reset-iptables';
import {
  kubeProxyServers,
  networkLeftovers,
  networkPlanLines,
  networkResetPlan,
  parseAddresses,
  parseIpvsSave,
  parseLinkNames,
  parseNetworkInspection,
  SECTION_MARK,
  type NetworkResetPlan,
} from '../../../cluster/plan/reset-network';
import { pkiCluster } from '../../helpers/pki-cluster';
import { IP_ADDRESSES, IP_LINK, IPTABLES_SAVE, IPVSADM_SAVE } from './reset-network-fixtures';

const FLANNEL_IPVS: NetworkResetPlan = {
  chainPrefixes: ['KUBE-', 'CNI-', 'FLANNEL-'],
  links: ['cni0', 'flannel.1', 'vxlan.calico', 'kube-ipvs0', 'nodelocaldns'],
  calicoVeths: false,
  ipvs: { serviceCIDR: '10.96.0.0/16' },
  loopbackAddress: '169.254.20.10/32',
};

test('a rule splits into words as iptables-restore reads it: quotes group, backslashes escape', () => {
  assert.deepEqual(ruleWords('-A POSTROUTING -m comment --comment "name: \\"cbr0\\"" -j CNI-x'), [
    '-A',
    'POSTROUTING',
    '-m',
    'comment',
    '--comment',
    'name: "cbr0"',
    '-j',
    'CNI-x',
  ]);
  assert.deepEqual(ruleWords('-A X --comment ""  -j Y'), ['-A', 'X', '--comment', '', '-j', 'Y']);
});

test("the cluster's chains are those with its prefixes; MYKUBE, DOCKER and ufw's are not", () => {
  const prefixes = ['KUBE-', 'CNI-', 'FLANNEL-'];
  assert.ok(isClusterChain('KUBE-SERVICES', prefixes));
  assert.ok(isClusterChain('CNI-7c3f52cb3d0ba6d1e1c0d0aa', prefixes));
  for (const name of ['MYKUBE', 'KUBE-', 'DOCKER-USER', 'ufw-before-input', 'kube-services', 'KUBE-$(x)'])
    assert.ok(!isClusterChain(name, prefixes), name);
});

test('iptables-save: the chains of the cluster per table, and only the rules of other chains that jump to them', () => {
  const findings = clusterChainsIn(parseIptablesSave(IPTABLES_SAVE), ['KUBE-', 'CNI-', 'FLANNEL-']);
  assert.deepEqual(findings, [
    { table: 'mangle', chains: ['KUBE-IPTABLES-HINT', 'KUBE-KUBELET-CANARY'], jumps: [] },
    {
      table: 'filter',
      chains: ['FLANNEL-FWD', 'KUBE-FIREWALL', 'KUBE-FORWARD', 'KUBE-NODE-PORT', 'KUBE-PROXY-FIREWALL'],
      jumps: [
        '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODE-PORT',
        '-A INPUT -j KUBE-FIREWALL',
        '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
        '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
        '-A OUTPUT -j KUBE-FIREWALL',
        // A user chain that goes to ours loses that rule, and keeps its others.
        '-A DOCKER-USER -g KUBE-PROXY-FIREWALL',
      ],
    },
    {
      table: 'nat',
      chains: [
        'CNI-7c3f52cb3d0ba6d1e1c0d0aa',
        'CNI-HOSTPORT-DNAT',
        'FLANNEL-POSTRTG',
        'KUBE-LOAD-BALANCER',
        'KUBE-MARK-MASQ',
        'KUBE-NODE-PORT',
        'KUBE-POSTROUTING',
        'KUBE-SERVICES',
        'KUBE-SVC-6Q2ZOT5NLB5BXEQE',
        'KUBE-SVC-TCOU7JCQXEZGVUNU',
      ],
      jumps: [
        '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
        '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
        '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
        '-A POSTROUTING -s 10.244.1.2/32 -m comment --comment "name: \\"cbr0\\" id: \\"0123abcd\\"" -j CNI-7c3f52cb3d0ba6d1e1c0d0aa',
      ],
    },
  ]);
  const all = findings.flatMap((f) => [...f.chains, ...f.jumps]).join('\n');
  // The host's firewall: ufw, Docker, the rule kept by the lab test, MYKUBE and the rule naming ours in a comment.
  for (const kept of ['ufw-', 'DOCKER -', 'MASQUERADE', 'hakube-test-keep', 'MYKUBE', '-j DOCKER-USER'])
    assert.ok(!all.includes(kept), kept);
});

test('the restore input deletes the jumps, then flushes and deletes the chains; never a table or a built-in chain', () => {
  const findings = clusterChainsIn(parseIptablesSave(IPTABLES_SAVE), ['KUBE-', 'CNI-', 'FLANNEL-']);
  const input = removalRestoreInput(findings.filter((f) => f.table === 'filter'));
  assert.equal(
    input,
    [
      '*filter',
      '-D INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODE-PORT',
      '-D INPUT -j KUBE-FIREWALL',
      '-D FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-D FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
      '-D OUTPUT -j KUBE-FIREWALL',
      '-D DOCKER-USER -g KUBE-PROXY-FIREWALL',
      '-F FLANNEL-FWD',
      '-F KUBE-FIREWALL',
      '-F KUBE-FORWARD',
      '-F KUBE-NODE-PORT',
      '-F KUBE-PROXY-FIREWALL',
      '-X FLANNEL-FWD',
      '-X KUBE-FIREWALL',
      '-X KUBE-FORWARD',
      '-X KUBE-NODE-PORT',
      '-X KUBE-PROXY-FIREWALL',
      'COMMIT',
      '',
    ].join('\n'),
  );
  const all = removalRestoreInput(findings);
  for (const builtin of ['INPUT', 'FORWARD', 'OUTPUT', 'PREROUTING', 'POSTROUTING'])
    assert.ok(!new RegExp(`^-[FX] ${builtin}$`, 'm').test(all), builtin);
  assert.ok(!/^-F$/m.test(all));
  assert.equal(removalRestoreInput([]), '');
});

test('lines iptables-save would not print are refused, never fed back', () => {
  const save = parseIptablesSave(
    '*filter\n:KUBE-X - [0:0]\n:BAD$(x) - [0:0]\n-A INPUT -j KUBE-X\x07\nrm -rf /\nCOMMIT\n',
  );
  assert.deepEqual(save.tables[0].chains, [{ name: 'KUBE-X', builtin: false }]);
  assert.deepEqual(save.tables[0].rules, []);
  assert.equal(save.refused.length, 3);
});

test('hashed chain names are counted under their stem', () => {
  assert.equal(
    summariseChains([
      'KUBE-SERVICES',
      'KUBE-SVC-6Q2ZOT5NLB5BXEQE',
      'KUBE-SVC-TCOU7JCQXEZGVUNU',
      'KUBE-SEP-ABCDEFGH12345678',
    ]),
    'KUBE-SERVICES, KUBE-SVC-* ×2, KUBE-SEP-ABCDEFGH12345678',
  );
});

test('interfaces: names from ip -o link, without the @peer; a name that is no interface name is refused', () => {
  const refused: string[] = [];
  assert.deepEqual(parseLinkNames(IP_LINK, refused), [
    'lo',
    'host0',
    'docker0',
    'kube-ipvs0',
    'flannel.1',
    'cni0',
    'cali0123456789a',
    'veth1a2b3c4',
  ]);
  assert.deepEqual(refused, ['interface "cni0$(reboot)"']);
  assert.deepEqual(parseAddresses(IP_ADDRESSES).slice(0, 2), [
    { link: 'lo', cidr: '127.0.0.1/8' },
    { link: 'lo', cidr: '169.254.20.10/32' },
  ]);
});

test("IPVS: kube-proxy's ClusterIPs, kube-ipvs0 addresses and NodePorts; the user's servers stay", () => {
  const servers = parseIpvsSave(IPVSADM_SAVE);
  assert.equal(servers.length, 6);
  assert.deepEqual(kubeProxyServers(servers, '10.96.0.0/16', parseAddresses(IP_ADDRESSES)), [
    { protocol: 'tcp', address: '10.96.0.1', port: 443 },
    { protocol: 'udp', address: '10.96.0.10', port: 53 },
    { protocol: 'tcp', address: '192.0.2.50', port: 80 },
    { protocol: 'tcp', address: '10.77.0.21', port: 31080 },
  ]);
});

test('the whole look: what the reset removes, as the plan says it; nothing found says so', () => {
  const output = [
    `${SECTION_MARK}iptables iptables-nft`,
    IPTABLES_SAVE,
    `${SECTION_MARK}iptables-failed iptables-legacy`,
    'iptables-legacy-save: could not open /proc/net/ip_tables_names',
    `${SECTION_MARK}iptables ip6tables-nft`,
    '*filter\n:INPUT ACCEPT [0:0]\n:KUBE-FIREWALL - [0:0]\n-A INPUT -j KUBE-FIREWALL\nCOMMIT',
    `${SECTION_MARK}links`,
    IP_LINK,
    `${SECTION_MARK}addresses`,
    IP_ADDRESSES,
    `${SECTION_MARK}ipvs`,
    IPVSADM_SAVE,
  ].join('\n');
  const seen = parseNetworkInspection(FLANNEL_IPVS, output);
  assert.deepEqual(seen.iptablesTools, ['iptables-nft', 'ip6tables-nft']);
  assert.deepEqual(seen.links, ['kube-ipvs0', 'flannel.1', 'cni0']);
  assert.equal(seen.loopbackAddress, '169.254.20.10/32');
  assert.equal(seen.ipvs?.servers.length, 4);
  const lines = networkPlanLines('worker-1', seen);
  assert.deepEqual(lines, [
    "worker-1: delete the cluster's iptables chains (iptables-nft mangle: KUBE-IPTABLES-HINT, KUBE-KUBELET-CANARY; " +
      'iptables-nft filter: FLANNEL-FWD, KUBE-FIREWALL, KUBE-FORWARD, KUBE-NODE-PORT, KUBE-PROXY-FIREWALL; ' +
      'iptables-nft nat: CNI-7c3f52cb3d0ba6d1e1c0d0aa, CNI-HOSTPORT-DNAT, FLANNEL-POSTRTG, KUBE-LOAD-BALANCER, KUBE-MARK-MASQ, ' +
      'KUBE-NODE-PORT, KUBE-POSTROUTING, KUBE-SERVICES, KUBE-SVC-* ×2; ip6tables-nft filter: KUBE-FIREWALL) ' +
      'and the 13 rule(s) of other chains that jump to them',
    'worker-1: delete interfaces kube-ipvs0, flannel.1, cni0',
    "worker-1: remove node-local DNS's 169.254.20.10/32 from lo",
    "worker-1: clear kube-proxy's 4 IPVS virtual server(s) (10.96.0.1:443/tcp, 10.96.0.10:53/udp, 192.0.2.50:80/tcp, 10.77.0.21:31080/tcp)",
    'worker-1: iptables-legacy-save failed: iptables-legacy-save: could not open /proc/net/ip_tables_names',
    'worker-1: interface "cni0$(reboot)": not a name hakube acts on',
  ]);
  assert.equal(networkLeftovers(seen).length, 4 + 13 + 3 + 1 + 4);

  const clean = parseNetworkInspection(
    FLANNEL_IPVS,
    `${SECTION_MARK}iptables iptables-nft\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 9 -j ACCEPT\nCOMMIT\n${SECTION_MARK}links\n1: lo: <LOOPBACK>\n${SECTION_MARK}addresses\n`,
  );
  assert.deepEqual(networkLeftovers(clean), []);
  assert.deepEqual(networkPlanLines('worker-1', clean), [
    "worker-1: ipvsadm is not installed: kube-proxy's IPVS virtual servers are not checked or cleared",
  ]);
});

test('the network plan follows the spec: calico chains and veths, no IPVS in iptables mode', () => {
  const c = pkiCluster();
  const calico = {
    ...c,
    spec: {
      ...c.spec,
      network: { ...c.spec.network, cni: 'calico' as const, proxyMode: 'iptables' as const },
    },
  };
  const plan = networkResetPlan(calico);
  assert.deepEqual(plan.chainPrefixes, ['KUBE-', 'CNI-', 'cali-']);
  assert.equal(plan.ipvs, undefined);
  assert.equal(plan.calicoVeths, true);
  const seen = parseNetworkInspection(plan, `${SECTION_MARK}links\n${IP_LINK}`);
  assert.deepEqual(seen.links, ['kube-ipvs0', 'flannel.1', 'cni0', 'cali0123456789a']);
  assert.equal(seen.ipvs, undefined);
});
