import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  asidePath,
  hostResetPlan,
  mountsBelow,
  parseInspection,
  parseMountPoints,
  partialEtcdReset,
  resetBlockers,
  resetHosts,
  resetLeftovers,
  resetPlanLines,
  resetStamp,
  stopSequence,
  unknownHosts,
  unsafeToMove,
  type ResetInspection,
} from '../../../cluster/plan/reset';
import type { Cluster } from '../../../cluster/spec';
import { hostByName } from '../../../cluster/topology';
import { validateClusterSpec } from '../../../cluster/validate';
import { pkiCluster } from '../../helpers/pki-cluster';

const STAMP = resetStamp(new Date('2026-11-23T10:45:00.987Z'));

/** 3 etcd-only hosts, 2 control-plane hosts, a worker; an external load balancer. */
function splitCluster(dataDir = '/data/etcd'): Cluster {
  const r = validateClusterSpec({
    apiVersion: 'hakube.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'split' },
    spec: {
      ssh: { privateKeyPath: '/k' },
      hosts: [
        { name: 'etcd-1', address: '10.1.1.31', roles: ['etcd'] },
        { name: 'etcd-2', address: '10.1.1.32', roles: ['etcd'] },
        { name: 'etcd-3', address: '10.1.1.33', roles: ['etcd'] },
        { name: 'cp-1', address: '10.1.1.11', roles: ['control-plane'] },
        { name: 'cp-2', address: '10.1.1.12', roles: ['control-plane'] },
        { name: 'worker-1', address: '10.1.1.21', roles: ['worker'] },
      ],
      controlPlaneEndpoint: { mode: 'external', address: 'api.split.example.internal', port: 6443 },
      etcd: { dataDir },
    },
  });
  assert.ok(r.cluster, JSON.stringify(r.problems));
  return r.cluster;
}

const planOf = (c: Cluster, host: string) => hostResetPlan(c, hostByName(c, host), STAMP);

test('the stamp is the start time in UTC to the second; paths move next to themselves', () => {
  assert.equal(STAMP, '20261123T104500Z');
  assert.equal(asidePath('/var/lib/etcd', STAMP), '/var/lib/etcd.reset-20261123T104500Z');
});

test('a control-plane + etcd host behind a keepalived VIP: node agents first, the VIP last', () => {
  const plan = planOf(pkiCluster(), 'master-1');
  assert.deepEqual(
    plan.units.map((u) => `${u.unit}${u.packaged ? ' (packaged)' : ''}`),
    [
      'kubelet',
      'kube-proxy',
      'containerd',
      'kube-scheduler',
      'kube-controller-manager',
      'kube-apiserver',
      'etcd',
      'keepalived (packaged)',
      'haproxy (packaged)',
    ],
  );
  assert.deepEqual(stopSequence(plan), [
    'kubelet',
    'kube-proxy',
    "pods' containers (crictl)",
    'containerd',
    'kube-scheduler',
    'kube-controller-manager',
    'kube-apiserver',
    'etcd',
    'keepalived',
    'haproxy',
  ]);
  // haproxy and keepalived keep their package's units; containerd's unit is hakube's own.
  assert.deepEqual(plan.unitFiles, [
    '/etc/systemd/system/kubelet.service',
    '/etc/systemd/system/kube-proxy.service',
    '/etc/systemd/system/containerd.service',
    '/etc/systemd/system/kube-scheduler.service',
    '/etc/systemd/system/kube-controller-manager.service',
    '/etc/systemd/system/kube-apiserver.service',
    '/etc/systemd/system/etcd.service',
  ]);
  assert.equal(plan.removePods, true);
  assert.deepEqual(plan.network?.links, ['cni0', 'flannel.1', 'vxlan.calico', 'kube-ipvs0', 'nodelocaldns']);
  assert.deepEqual(
    plan.moves.map((m) => [m.path, m.aside]),
    [
      ['/var/lib/etcd', '/var/lib/etcd.reset-20261123T104500Z'],
      ['/etc/kubernetes', '/etc/kubernetes.reset-20261123T104500Z'],
      ['/var/lib/kubelet', '/var/lib/kubelet.reset-20261123T104500Z'],
      ['/etc/etcd', '/etc/etcd.reset-20261123T104500Z'],
      ['/etc/cni/net.d', '/etc/cni/net.d.reset-20261123T104500Z'],
      ['/etc/containerd', '/etc/containerd.reset-20261123T104500Z'],
      ['/etc/crictl.yaml', '/etc/crictl.yaml.reset-20261123T104500Z'],
      ['/etc/haproxy/haproxy.cfg', '/etc/haproxy/haproxy.cfg.reset-20261123T104500Z'],
      ['/etc/keepalived/keepalived.conf', '/etc/keepalived/keepalived.conf.reset-20261123T104500Z'],
      [
        '/etc/keepalived/check-apiserver-lb.sh',
        '/etc/keepalived/check-apiserver-lb.sh.reset-20261123T104500Z',
      ],
      ['/var/lib/hakube/restore', '/var/lib/hakube/restore.reset-20261123T104500Z'],
    ],
  );
});

test('a worker: its node agents and their state only', () => {
  const plan = planOf(pkiCluster(), 'worker-1');
  assert.deepEqual(
    plan.units.map((u) => u.unit),
    ['kubelet', 'kube-proxy', 'containerd'],
  );
  assert.deepEqual(
    plan.moves.map((m) => m.path),
    ['/etc/kubernetes', '/var/lib/kubelet', '/etc/cni/net.d', '/etc/containerd', '/etc/crictl.yaml'],
  );
});

test('etcd-only hosts, and control-plane hosts behind an external load balancer (no haproxy, keepalived)', () => {
  const c = splitCluster();
  const etcd = planOf(c, 'etcd-2');
  assert.deepEqual(
    etcd.units.map((u) => u.unit),
    ['etcd'],
  );
  assert.equal(etcd.removePods, false);
  assert.equal(etcd.network, undefined);
  assert.deepEqual(
    etcd.moves.map((m) => m.path),
    ['/data/etcd', '/etc/kubernetes', '/etc/etcd', '/var/lib/hakube/restore'],
  );
  const cp = planOf(c, 'cp-1');
  assert.deepEqual(
    cp.units.map((u) => u.unit),
    ['kubelet', 'kube-proxy', 'containerd', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver'],
  );
  assert.ok(!cp.moves.some((m) => /haproxy|keepalived|etcd/.test(m.path)));
});

test('an etcd data dir is normalised, moves with a folder it is inside, and is never a system folder', () => {
  assert.equal(planOf(splitCluster('/data//etcd/'), 'etcd-1').moves[0].path, '/data/etcd');
  const nested = planOf(splitCluster('/etc/kubernetes/etcd'), 'etcd-1');
  assert.deepEqual(
    nested.moves.map((m) => m.path),
    ['/etc/kubernetes', '/etc/etcd', '/var/lib/hakube/restore'],
  );
  for (const dir of ['/var/lib/', '/', '/etc', '/root', '/data/../var']) assert.ok(unsafeToMove(dir), dir);
  assert.equal(unsafeToMove('/data'), undefined);
  assert.equal(unsafeToMove('/var/lib/etcd'), undefined);
  const plan = planOf(splitCluster('/var/lib'), 'etcd-1');
  assert.deepEqual(resetBlockers(plan), [
    'etcd-1: /var/lib (etcd data) cannot be moved aside: a system folder',
  ]);
});

test('hosts: all by default, those named in spec order, unknown names reported', () => {
  const c = pkiCluster();
  assert.deepEqual(
    resetHosts(c).map((h) => h.name),
    ['master-1', 'master-2', 'master-3', 'worker-1'],
  );
  assert.deepEqual(
    resetHosts(c, ['worker-1', 'master-2']).map((h) => h.name),
    ['master-2', 'worker-1'],
  );
  assert.deepEqual(unknownHosts(c, ['worker-1', 'worker-9', 'master']), ['worker-9', 'master']);
  const partial = partialEtcdReset(c, resetHosts(c, ['master-3', 'worker-1']));
  assert.deepEqual(partial.reset, ['master-3']);
  assert.deepEqual(
    partial.remaining.map((h) => h.name),
    ['master-1', 'master-2'],
  );
  assert.deepEqual(partialEtcdReset(c, resetHosts(c)).remaining, []);
});

const MOUNTINFO = [
  '22 1 0:21 / / rw,relatime - overlay overlay rw',
  '60 22 0:50 / /var/lib/kubelet/pods/a1/volumes/kubernetes.io~projected/kube-api-access-x rw - tmpfs tmpfs rw',
  '61 22 0:51 / /var/lib/kubelet/pods/a1/volumes/kubernetes.io~secret/my\\040secret rw - tmpfs tmpfs rw',
  '62 22 0:52 / /var/lib/kubelet rw - ext4 /dev/sdb1 rw',
  '63 22 0:53 / /var/lib/kubelet2/x rw - tmpfs tmpfs rw',
  '64 22 0:54 / /var/lib/kubelet/plugins rw - tmpfs tmpfs rw',
].join('\n');

test('mounts: octal escapes undone; those below a path deepest first, not the path itself nor its siblings', () => {
  const mounts = parseMountPoints(MOUNTINFO);
  assert.equal(mounts[2], '/var/lib/kubelet/pods/a1/volumes/kubernetes.io~secret/my secret');
  assert.deepEqual(mountsBelow(mounts, '/var/lib/kubelet'), [
    '/var/lib/kubelet/pods/a1/volumes/kubernetes.io~projected/kube-api-access-x',
    '/var/lib/kubelet/pods/a1/volumes/kubernetes.io~secret/my secret',
    '/var/lib/kubelet/plugins',
  ]);
});

const INSPECTED = [
  'unit kubelet active enabled',
  'unit kube-proxy active enabled',
  'unit containerd active enabled',
  'unit kube-scheduler inactive disabled',
  'unit kube-controller-manager failed enabled',
  'unit kube-apiserver active enabled',
  'unit etcd active enabled',
  'unit keepalived active enabled',
  'unit haproxy active enabled',
  'unitfile /etc/systemd/system/kubelet.service',
  'unitfile /etc/systemd/system/etcd.service',
  'foreign /etc/systemd/system/containerd.service',
  'present /var/lib/etcd',
  'present /etc/kubernetes',
  'present /var/lib/kubelet',
  'aside /etc/etcd.reset-20261123T104500Z',
  '',
].join('\n');

function inspected(output = INSPECTED, mountinfo = MOUNTINFO): ResetInspection {
  return parseInspection(planOf(pkiCluster(), 'master-1'), output, mountinfo);
}

test('an inspection: units, unit files (ours and not), paths, names taken, mounts', () => {
  const seen = inspected();
  assert.deepEqual(seen.units[4], { unit: 'kube-controller-manager', active: 'failed', enabled: 'enabled' });
  assert.deepEqual(seen.unitFiles, [
    '/etc/systemd/system/kubelet.service',
    '/etc/systemd/system/etcd.service',
  ]);
  assert.deepEqual(seen.foreignUnitFiles, ['/etc/systemd/system/containerd.service']);
  assert.deepEqual(seen.present, ['/var/lib/etcd', '/etc/kubernetes', '/var/lib/kubelet']);
  assert.deepEqual(seen.asideTaken, ['/etc/etcd.reset-20261123T104500Z']);
  // /var/lib/kubelet is a mount point itself here: it cannot be renamed.
  assert.deepEqual(seen.mountPoints, ['/var/lib/kubelet']);
  assert.equal(seen.mountsBelow.length, 3);
  assert.deepEqual(resetBlockers(planOf(pkiCluster(), 'master-1'), seen), [
    'master-1: /var/lib/kubelet is a mount point and cannot be moved aside: unmount it, or move its contents by hand',
  ]);
  // A unit that is not installed: is-enabled prints nothing.
  assert.deepEqual(inspected('unit kubelet inactive ').units, [
    { unit: 'kubelet', active: 'inactive', enabled: 'none' },
  ]);
});

test('a path there again next to its moved copy blocks the reset (the copy is not overwritten)', () => {
  const seen = inspected('present /etc/etcd\naside /etc/etcd.reset-20261123T104500Z\n', '');
  assert.deepEqual(resetBlockers(planOf(pkiCluster(), 'master-1'), seen), [
    'master-1: both /etc/etcd and /etc/etcd.reset-20261123T104500Z exist',
  ]);
});

test('leftovers after a reset: units running or enabled, unit files and paths still in place', () => {
  const plan = planOf(pkiCluster(), 'master-1');
  assert.deepEqual(resetLeftovers(plan, inspected()).slice(0, 4), [
    'master-1: kubelet is active',
    'master-1: kubelet is enabled',
    'master-1: kube-proxy is active',
    'master-1: kube-proxy is enabled',
  ]);
  const clean = inspected(
    [
      'unit kubelet inactive',
      'unit etcd failed disabled',
      'unit haproxy inactive disabled',
      'aside /var/lib/etcd.reset-20261123T104500Z',
    ].join('\n'),
    '',
  );
  assert.deepEqual(resetLeftovers(plan, clean), []);
  const left = inspected(
    'unit etcd activating enabled\nunitfile /etc/systemd/system/etcd.service\npresent /etc/kubernetes',
    '',
  );
  assert.deepEqual(resetLeftovers(plan, left), [
    'master-1: etcd is activating',
    'master-1: etcd is enabled',
    'master-1: /etc/systemd/system/etcd.service is still there',
    'master-1: /etc/kubernetes is still there',
  ]);
});

test('the plan a person approves: the stamp, per host what stops, goes and moves, what is not reset, what stays', () => {
  const c = pkiCluster();
  const hosts = resetHosts(c, ['master-1', 'worker-1']);
  const worker: ResetInspection = {
    host: 'worker-1',
    units: [{ unit: 'kubelet', active: 'active', enabled: 'enabled' }],
    unitFiles: ['/etc/systemd/system/kubelet.service'],
    foreignUnitFiles: [],
    present: [],
    asideTaken: ['/etc/kubernetes.reset-20261123T104500Z'],
    mountPoints: [],
    mountsBelow: [],
  };
  const lines = resetPlanLines(c, hosts, STAMP, [inspected(), worker], ['a note']);
  assert.deepEqual(lines, [
    'reset pki: master-1, worker-1; what moves aside is renamed to <path>.reset-20261123T104500Z on its host, nothing is deleted',
    "master-1 [control-plane, etcd]: stop kubelet (active), kube-proxy (active), pods' containers (crictl), containerd (active), kube-scheduler, kube-controller-manager (failed), kube-apiserver (active), etcd (active), keepalived (active), haproxy (active)",
    "master-1: disable and remove the unit files of kubelet, etcd; disable keepalived, haproxy (their package's units stay)",
    'master-1: /etc/systemd/system/containerd.service was not written by hakube: kept',
    'master-1: move aside /var/lib/etcd, /etc/kubernetes, /var/lib/kubelet (after unmounting 3 mounts below them)',
    'master-1: already moved aside: /etc/etcd',
    "worker-1 [worker]: stop kubelet (active), kube-proxy, pods' containers (crictl), containerd",
    'worker-1: disable and remove the unit files of kubelet',
    'worker-1: already moved aside: /etc/kubernetes',
    'not reset (keep running): master-2, master-3',
    'a note',
    'kept: binaries in /usr/local/bin and /opt/cni/bin (a new install checks them and skips their upload); the OS preparation (sysctls, kernel modules, limits, /etc/hosts); /var/lib/containerd (images; the pods are removed first); logs, and backups at the backup target',
  ]);
  // Before any inspection (a dry look): everything the roles have.
  const blind = resetPlanLines(c, resetHosts(c, ['worker-1']), STAMP);
  assert.equal(
    blind[3],
    'worker-1: move aside /etc/kubernetes, /var/lib/kubelet, /etc/cni/net.d, /etc/containerd, /etc/crictl.yaml',
  );
});

test("a node's network state is in its plan lines and, when left after the reset, among the leftovers", () => {
  const c = pkiCluster();
  const network = {
    iptablesTools: ['iptables-nft'],
    iptables: [
      {
        tool: 'iptables-nft' as const,
        table: 'nat',
        chains: ['KUBE-SERVICES'],
        jumps: ['-A PREROUTING -j KUBE-SERVICES'],
      },
    ],
    links: ['cni0'],
    notes: [],
  };
  const worker: ResetInspection = {
    host: 'worker-1',
    units: [],
    unitFiles: [],
    foreignUnitFiles: [],
    present: [],
    asideTaken: [],
    mountPoints: [],
    mountsBelow: [],
    network,
  };
  const lines = resetPlanLines(c, resetHosts(c, ['worker-1']), STAMP, [worker]);
  assert.deepEqual(lines.slice(3, 5), [
    "worker-1: delete the cluster's iptables chains (iptables-nft nat: KUBE-SERVICES) and the 1 rule(s) of other chains that jump to them",
    'worker-1: delete interfaces cni0',
  ]);
  assert.match(lines.at(-2) ?? '', /^kept on the network: the host's own iptables rules and chains/);
  assert.deepEqual(resetLeftovers(planOf(c, 'worker-1'), worker), [
    'worker-1: iptables-nft nat chains KUBE-SERVICES are still there',
    'worker-1: iptables-nft nat rule -A PREROUTING -j KUBE-SERVICES is still there',
    'worker-1: interface cni0 is still there',
  ]);
});
