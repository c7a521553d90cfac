// The lab's per-machine cgroup placement (lab/cgroups.ts): pure decisions, no host needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupOf, machineCgroupPlan, parseCgroupMounts, subtreeControlWrite } from '../../lab/cgroups';
import { MACHINE_INIT } from '../../lab/machine';

const HYBRID_MOUNTS = [
  'tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0',
  'cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,nodev,noexec,relatime,cpu,cpuacct 0 0',
  'cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0',
  'cgroup /sys/fs/cgroup/cpuset cgroup rw,relatime,cpuset,clone_children 0 0',
  'cgroup /sys/fs/cgroup/systemd cgroup rw,nosuid,nodev,noexec,relatime,xattr,name=systemd 0 0',
  'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0',
  'cgroup /mnt/again cgroup rw,relatime,memory 0 0',
  '',
].join('\n');

const SELF = [
  '9:name=systemd:/',
  '4:memory:/process_api/abc',
  '3:cpuset:/',
  '2:cpu,cpuacct:/user/1',
  '0::/',
].join('\n');

test('hybrid host: every hierarchy once, controllers named as /proc/self/cgroup names them', () => {
  assert.deepEqual(parseCgroupMounts(HYBRID_MOUNTS), [
    { mount: '/sys/fs/cgroup/cpu,cpuacct', kind: 'controller', controllers: 'cpu,cpuacct' },
    { mount: '/sys/fs/cgroup/memory', kind: 'controller', controllers: 'memory' },
    { mount: '/sys/fs/cgroup/cpuset', kind: 'controller', controllers: 'cpuset' },
    { mount: '/sys/fs/cgroup/systemd', kind: 'tracking', controllers: 'name=systemd' },
    { mount: '/sys/fs/cgroup/unified', kind: 'v2', controllers: '' },
  ]);
});

test("a machine's cgroups: tracking trees from their root, controllers below the starter's cgroup", () => {
  const plan = machineCgroupPlan(parseCgroupMounts(HYBRID_MOUNTS), SELF, 'lab-master-1');
  assert.deepEqual(
    plan.map((p) => p.dir),
    [
      '/sys/fs/cgroup/cpu,cpuacct/user/1/hakube-lab/lab-master-1',
      '/sys/fs/cgroup/memory/process_api/abc/hakube-lab/lab-master-1',
      '/sys/fs/cgroup/cpuset/hakube-lab/lab-master-1',
      '/sys/fs/cgroup/systemd/hakube-lab/lab-master-1',
      '/sys/fs/cgroup/unified/hakube-lab/lab-master-1',
    ],
  );
  assert.deepEqual(plan[1].levels, [
    '/sys/fs/cgroup/memory/process_api/abc/hakube-lab',
    '/sys/fs/cgroup/memory/process_api/abc/hakube-lab/lab-master-1',
  ]);
  assert.equal(cgroupOf('0::/x/y\n', { mount: '/sys/fs/cgroup', kind: 'v2', controllers: '' }), '/x/y');
});

test('cgroup v2 host: one delegated tree, controllers enabled on the way down', () => {
  const v2 = parseCgroupMounts('cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n');
  assert.deepEqual(
    machineCgroupPlan(v2, '0::/init\n', 'lab-worker-1').map((p) => p.dir),
    ['/sys/fs/cgroup/hakube-lab/lab-worker-1'],
  );
  // Only what the parent has and does not pass down yet; rdma and misc are not wanted.
  assert.deepEqual(subtreeControlWrite('cpuset cpu io memory hugetlb pids rdma misc\n', 'cpu memory\n'), [
    '+cpuset',
    '+io',
    '+pids',
    '+hugetlb',
  ]);
  assert.deepEqual(subtreeControlWrite('', ''), []);
});

test("the machine's init makes v1 controllers writable with a bind remount, then becomes systemd", () => {
  assert.match(MACHINE_INIT, /^#!\/bin\/sh\n/);
  assert.match(MACHINE_INIT, /mount -o remount,bind,rw "\$d"/);
  assert.match(MACHINE_INIT, /= cgroupfs \]/);
  assert.match(MACHINE_INIT, /\nexec \/lib\/systemd\/systemd "\$@"\n$/);
});
