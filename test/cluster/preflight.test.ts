import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCgroupProbe, parseFacts, versionAtLeast } from '../../cluster/facts';
import { evaluatePreflight } from '../../cluster/preflight';
import { validateClusterSpec } from '../../cluster/validate';
import type { Cluster } from '../../cluster/spec';
import { healthy, SAMPLE } from '../helpers/host-facts';

test('parseFacts reads every section', () => {
  const f = parseFacts(SAMPLE);
  assert.equal(f.hostname, 'master-1');
  assert.deepEqual([f.os.id, f.os.versionId], ['debian', '12']);
  assert.equal(f.kernel, '6.1.0-18-amd64');
  assert.equal(f.cpus, 4);
  assert.equal(f.memoryMiB, 7834);
  assert.equal(f.swapActive, true);
  assert.deepEqual(
    f.listening.map((l) => [l.port, l.process]),
    [
      [2379, 'etcd'],
      [22, 'sshd'],
      [6443, 'nginx'],
    ],
  );
  assert.equal(f.epochMs, 1795414095123);
  assert.equal(f.timeSynchronized, true);
  assert.deepEqual(f.addresses, ['127.0.0.1', '10.1.1.11']);
  assert.equal(f.vipAnswers, undefined);
  assert.deepEqual(f.cgroups, { version: 2, controllersWritable: true, readOnly: [], missing: [] });
});

test('the cgroup probe: v1 controllers read-only in a container, writable in a lab machine, v2 delegation', () => {
  // systemd-nspawn's own mounts (hybrid host): every controller bind-mounted read-only.
  const nspawn = parseCgroupProbe('tmpfs memory:ro cpu,cpuacct:ro cpuset:ro pids:ro devices:ro\n');
  assert.deepEqual(nspawn, {
    version: 1,
    controllersWritable: false,
    readOnly: ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'devices'],
    missing: [],
  });
  // A lab machine (lab/machine.ts remounts them writable before systemd starts).
  const lab = parseCgroupProbe(
    'tmpfs freezer:rw blkio:rw cpuacct:rw devices:rw pids:rw memory:rw cpuset:rw cpu:rw ',
  );
  assert.deepEqual(lab, { version: 1, controllersWritable: true, readOnly: [], missing: [] });
  // A v1 host without the pids controller: kubelet keeps QoS cgroups, pods get no PID limits.
  assert.deepEqual(parseCgroupProbe('tmpfs cpu,cpuacct:rw cpuset:rw memory:rw'), {
    version: 1,
    controllersWritable: true,
    readOnly: [],
    missing: ['pids'],
  });
  // v2 in a container whose tree got no memory controller delegated, and a read-only tree.
  assert.deepEqual(parseCgroupProbe('cgroup2fs rw cpu,pids'), {
    version: 2,
    controllersWritable: false,
    readOnly: [],
    missing: ['cpuset', 'memory'],
  });
  assert.equal(parseCgroupProbe('cgroup2fs ro cpuset,cpu,memory,pids').controllersWritable, false);
  assert.equal(parseCgroupProbe('').controllersWritable, false);
  assert.equal(parseCgroupProbe(undefined).version, 1);
});

test('versionAtLeast compares numerically', () => {
  assert.ok(versionAtLeast('5.10.0-28-amd64', '4.19'));
  assert.ok(versionAtLeast('4.19.0', '4.19'));
  assert.ok(!versionAtLeast('4.9.337', '4.19'));
  assert.ok(!versionAtLeast('3.10.0-1160.el7', '4.19'));
});

function cluster(): Cluster {
  const r = validateClusterSpec({
    apiVersion: 'hakube.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'pf' },
    spec: {
      ssh: { privateKeyPath: '/k' },
      hosts: [
        { name: 'master-1', address: '10.1.1.11', roles: ['control-plane', 'etcd'] },
        { name: 'worker-1', address: '10.1.1.21', roles: ['worker'] },
      ],
      controlPlaneEndpoint: { mode: 'keepalived', vip: '10.1.1.10', interface: 'eth0' },
    },
  });
  assert.ok(r.cluster);
  return r.cluster;
}

test('healthy hosts pass', () => {
  const r = evaluatePreflight(cluster(), {
    'master-1': healthy('master-1'),
    'worker-1': healthy('worker-1'),
  });
  assert.deepEqual(r, { errors: [], warnings: [] });
});

test('every problem on every host is gathered at once', () => {
  const r = evaluatePreflight(cluster(), {
    'master-1': healthy('node', {
      cpus: 1,
      listening: parseFacts(SAMPLE).listening,
      os: { id: 'arch', versionId: '', prettyName: 'Arch Linux', idLike: [] },
    }),
    'worker-1': { ...healthy('node', { memoryMiB: 512, swapActive: true, vipAnswers: true }), skewMs: 5000 },
  });
  const checks = r.errors.map((e) => `${e.host ?? '*'}:${e.check}`).sort();
  assert.deepEqual(checks, [
    '*:time',
    '*:vip',
    'master-1:cpu',
    'master-1:os',
    'master-1:ports',
    'worker-1:hostname',
    'worker-1:memory',
    'worker-1:time',
  ]);
  assert.match(r.errors.find((e) => e.check === 'ports')?.message ?? '', /6443 is already in use by nginx/);
  assert.deepEqual(
    r.warnings.map((w) => `${w.host}:${w.check}`),
    ['worker-1:swap'],
  );
});

test('cgroup v1 is a warning; an unsynchronised clock is one only outside containers', () => {
  const r = evaluatePreflight(cluster(), {
    'master-1': healthy('master-1', {
      cgroups: { version: 1, controllersWritable: false, readOnly: ['memory', 'cpu'], missing: [] },
      timeSynchronized: false,
    }),
    'worker-1': healthy('worker-1', { timeSynchronized: false, virtualization: 'systemd-nspawn' }),
  });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(
    r.warnings.map((w) => `${w.host}:${w.check}`),
    ['master-1:cgroup', 'master-1:cgroup', 'master-1:time'],
  );
  assert.match(r.warnings[0].message, /failCgroupV1=false/);
  assert.match(r.warnings[1].message, /memory, cpu are read-only.*no resource isolation/);
});

test('cgroups: a lab machine with writable controllers gets only the v1 warning; missing controllers are named', () => {
  const writable = { version: 1 as const, controllersWritable: true, readOnly: [], missing: [] };
  const r = evaluatePreflight(cluster(), {
    'master-1': healthy('master-1', { cgroups: writable, virtualization: 'systemd-nspawn' }),
    'worker-1': healthy('worker-1', {
      cgroups: { version: 2, controllersWritable: false, readOnly: [], missing: ['cpuset', 'memory'] },
    }),
  });
  assert.deepEqual(
    r.warnings.map((w) => `${w.host}:${w.check}`),
    ['master-1:cgroup', 'worker-1:cgroup'],
  );
  assert.match(r.warnings[0].message, /failCgroupV1=false/);
  assert.match(
    r.warnings[1].message,
    /cpuset, memory are not available \(not delegated.*without per-QoS cgroups/,
  );
});

test('a re-run finds its own services on their ports and its own VIP: no errors', () => {
  const own = [
    { port: 2379, address: '10.1.1.11', process: 'etcd' },
    { port: 6443, address: '*', process: 'kube-apiserver' },
    { port: 16443, address: '*', process: 'haproxy' },
    { port: 10257, address: '127.0.0.1', process: 'kube-controller' },
  ];
  const r = evaluatePreflight(cluster(), {
    'master-1': healthy('master-1', {
      listening: own,
      addresses: ['10.1.1.11', '10.1.1.10'],
      vipAnswers: true,
    }),
    'worker-1': healthy('worker-1', { listening: [{ port: 10250, address: '*', process: 'kubelet' }] }),
  });
  assert.deepEqual(r.errors, []);
});

test('a join checks only the joining host, and the VIP answering is expected then', () => {
  const joining = { 'worker-1': healthy('worker-1', { vipAnswers: true }) };
  assert.deepEqual(evaluatePreflight(cluster(), joining, { joining: ['worker-1'] }), {
    errors: [],
    warnings: [],
  });
  // The same facts for an install: master-1 was not reached and the VIP answers for someone else.
  const install = evaluatePreflight(cluster(), joining);
  assert.deepEqual(install.errors.map((e) => `${e.host ?? '*'}:${e.check}`).sort(), [
    '*:vip',
    'master-1:reachable',
  ]);
  const bad = evaluatePreflight(
    cluster(),
    { 'worker-1': healthy('worker-1', { memoryMiB: 100 }) },
    { joining: ['worker-1'] },
  );
  assert.deepEqual(
    bad.errors.map((e) => `${e.host}:${e.check}`),
    ['worker-1:memory'],
  );
});
