// The network part of a reset on a host: the look runs under sh with stand-in iptables, ip and
// ipvsadm commands; the removal runs against a fake host that records what it is asked to run,
// so each command's quoting and order are checked, and a second run finds nothing to do.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { networkInspectionScript, resetNetwork } from '../../../activities/host/reset-network';
import type { ExecOptions, ExecResult, Host } from '../../../activities/ssh';
import { parseNetworkInspection, type NetworkResetPlan } from '../../../cluster/plan/reset-network';
import {
  IP_ADDRESSES,
  IP_LINK,
  IPTABLES_SAVE,
  IPVSADM_SAVE,
} from '../../cluster/plan/reset-network-fixtures';

const PLAN: NetworkResetPlan = {
  chainPrefixes: ['KUBE-', 'CNI-', 'FLANNEL-'],
  links: ['cni0', 'flannel.1', 'vxlan.calico', 'kube-ipvs0', 'nodelocaldns'],
  calicoVeths: false,
  ipvs: { serviceCIDR: '10.96.0.0/16' },
  loopbackAddress: '169.254.20.10/32',
};

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hakube-reset-net-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const stub = (name: string, body: string) =>
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  writeFileSync(join(dir, 'save'), IPTABLES_SAVE);
  writeFileSync(join(dir, 'links'), IP_LINK);
  writeFileSync(join(dir, 'addresses'), IP_ADDRESSES);
  writeFileSync(join(dir, 'ipvs'), IPVSADM_SAVE);
  // Both backends installed: legacy has nothing loaded and fails, nft holds the rules; no ip6tables at all.
  stub('iptables-nft-save', `cat ${join(dir, 'save')}`);
  stub(
    'iptables-legacy-save',
    'echo "iptables-legacy-save: could not open /proc/net/ip_tables_names" >&2; exit 1',
  );
  stub('iptables-save', 'echo "the plain command is not read when the backends have their own" >&2; exit 2');
  stub(
    'ip',
    `case "$*" in '-o link show') cat ${join(dir, 'links')} ;; '-o -4 address show') cat ${join(dir, 'addresses')} ;; esac`,
  );
  stub('ipvsadm', `cat ${join(dir, 'ipvs')}`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const PATH = () => `${join(dir, 'bin')}:/usr/bin:/bin`;

test('the look prints each backend of each family the host has, the interfaces, addresses and IPVS table', () => {
  // /usr/bin may hold real ip6tables tools: hide them by running with only the stand-ins and sh's basics.
  const out = execFileSync('sh', ['-c', networkInspectionScript(PLAN)], { env: { PATH: PATH() } }).toString();
  const seen = parseNetworkInspection(PLAN, out);
  assert.ok(seen.iptablesTools.includes('iptables-nft'));
  assert.ok(!seen.iptablesTools.includes('iptables'));
  assert.ok(
    seen.notes.some((n) => n.startsWith('iptables-legacy-save failed: iptables-legacy-save: could not open')),
  );
  assert.deepEqual(
    seen.iptables.filter((f) => f.tool === 'iptables-nft').map((f) => f.table),
    ['mangle', 'filter', 'nat'],
  );
  assert.deepEqual(seen.links, ['kube-ipvs0', 'flannel.1', 'cni0']);
  assert.equal(seen.loopbackAddress, '169.254.20.10/32');
  assert.equal(seen.ipvs?.ipvsadm, true);
  assert.equal(seen.ipvs?.servers.length, 4);
});

/** A host that answers the look with `looks` in turn (the last one again) and records the rest. */
function fakeHost(looks: string[]): { host: Host; ran: { command: string; stdin?: string }[] } {
  const ran: { command: string; stdin?: string }[] = [];
  let n = 0;
  const answer = async (command: string, opts?: ExecOptions): Promise<ExecResult> => {
    if (command.includes('@@hakube links'))
      return { exitCode: 0, stdout: looks[Math.min(n++, looks.length - 1)], stderr: '' };
    ran.push({ command, stdin: opts?.stdin?.toString() });
    return { exitCode: 0, stdout: '', stderr: '' };
  };
  return {
    host: { name: 'worker-1', address: '10.77.0.21', exec: answer, run: answer } as unknown as Host,
    ran,
  };
}

const LOOK = [
  '@@hakube iptables iptables-nft',
  IPTABLES_SAVE,
  '@@hakube links',
  IP_LINK,
  '@@hakube addresses',
  IP_ADDRESSES,
  '@@hakube ipvs',
  IPVSADM_SAVE,
].join('\n');
const CLEAN =
  '@@hakube iptables iptables-nft\n*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 9 -j ACCEPT\nCOMMIT\n@@hakube links\n1: lo: <LOOPBACK>\n@@hakube addresses\n@@hakube ipvs\n';

test('the removal: IPVS servers, then one restore per backend, then interfaces and the loopback address; a second run does nothing', async () => {
  const { host, ran } = fakeHost([LOOK, CLEAN]);
  const done = await resetNetwork(host, PLAN, () => {});
  assert.deepEqual(
    ran.map((r) => r.command),
    [
      "ipvsadm -D -t '10.96.0.1:443'",
      "ipvsadm -D -u '10.96.0.10:53'",
      "ipvsadm -D -t '192.0.2.50:80'",
      "ipvsadm -D -t '10.77.0.21:31080'",
      'iptables-nft-restore --noflush',
      "ip link delete dev 'kube-ipvs0'",
      "ip link delete dev 'flannel.1'",
      "ip link delete dev 'cni0'",
      "ip address del '169.254.20.10/32' dev lo",
    ],
  );
  const restore = ran.find((r) => r.command.endsWith('-restore --noflush'))?.stdin ?? '';
  assert.match(restore, /^\*mangle\n/);
  assert.match(restore, /^-D INPUT -j KUBE-FIREWALL$/m);
  assert.ok(!/MYKUBE|DOCKER |ufw|hakube-test-keep/.test(restore));
  assert.equal(done.deletedJumps, 12);
  assert.equal(done.deletedChains.length, 17);
  assert.deepEqual(done.deletedLinks, ['kube-ipvs0', 'flannel.1', 'cni0']);

  ran.length = 0;
  const again = await resetNetwork(host, PLAN, () => {});
  assert.deepEqual(ran, []);
  assert.deepEqual(again.deletedChains, []);
});
