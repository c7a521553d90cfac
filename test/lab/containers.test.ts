// What a lab machine gives containers (lab/README.md): cgroup controllers its own systemd manages
// (kubelet and containerd use the systemd cgroup driver) and a /var/lib/containerd that is not
// on the machine's overlayfs root. One machine, to stay fast.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labDown, labStartHost, labStopHost, labUp, type LabInfo } from '../../lab';
import { hostDir } from '../../lab/names';
import { machineCgroupPlan, parseCgroupMounts } from '../../lab/cgroups';
import { CGROUP_PROBE, parseCgroupProbe } from '../../cluster/facts';
import { sshExec } from '../helpers/ssh2-exec';

const LAB = 't-ctr';
let lab: LabInfo;

const onMachine = async (command: string) => {
  const r = await sshExec(lab.hosts[0].address, lab.sshKeyPath, command);
  assert.equal(r.code, 0, `${command}: ${r.stdout}`);
  return r.stdout.trim();
};
const v2 = () => onMachine('stat -fc %T /sys/fs/cgroup').then((t) => t === 'cgroup2fs');

before(async () => {
  lab = await labUp({ name: LAB, masters: 1, workers: 0 });
});

after(async () => {
  await labDown({ name: LAB });
});

test('cgroup controllers are writable inside the machine, and the preflight probe says so', async () => {
  if (await v2()) {
    assert.match(await onMachine('grep " /sys/fs/cgroup cgroup2 " /proc/mounts'), / rw,/);
  } else {
    const mounts = (await onMachine('grep "^cgroup .* cgroup " /proc/mounts')).split('\n');
    assert.ok(mounts.length >= 5, mounts.join('\n'));
    for (const m of mounts) assert.match(m, /^cgroup \S+ cgroup rw,/);
  }
  const probe = parseCgroupProbe(await onMachine(CGROUP_PROBE));
  assert.equal(probe.controllersWritable, true, JSON.stringify(probe));
  assert.deepEqual(probe.readOnly, []);
  assert.equal(await onMachine('systemctl is-system-running'), 'running');
});

test("the machine's systemd manages the controllers: slices, scopes with limits, mkdir", async () => {
  if (await v2()) {
    assert.match(await onMachine('cat /sys/fs/cgroup/system.slice/cgroup.controllers'), /memory/);
  } else {
    await onMachine('test -d /sys/fs/cgroup/memory/system.slice && test -d /sys/fs/cgroup/cpu/system.slice');
    await onMachine('mkdir /sys/fs/cgroup/memory/lab-check && rmdir /sys/fs/cgroup/memory/lab-check');
    await onMachine('mkdir /sys/fs/cgroup/cpuset/lab-check && rmdir /sys/fs/cgroup/cpuset/lab-check');
  }
  // What the systemd cgroup driver of runc does for each container: a transient scope with limits.
  const cgroup = await onMachine(
    'systemd-run --quiet --scope -p MemoryLimit=100M -p MemoryMax=100M sh -c "cat /proc/self/cgroup"',
  );
  assert.match(cgroup, /^(\d+:memory|0:):\/system\.slice\/run-\S+\.scope$/m, cgroup);
  // The machine's cgroups are its own on the host, in every hierarchy (not shared between machines).
  const pid = readFileSync(join(hostDir(LAB, 'master-1'), 'nspawn.pid'), 'utf8').trim();
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n'))
    assert.match(line, new RegExp(`/hakube-lab/${LAB}-master-1(/|$)`), line);
});

test('/var/lib/containerd is a real filesystem that takes overlay mounts, kept across stop and start', async () => {
  assert.notEqual(await onMachine('stat -fc %T /var/lib/containerd'), 'overlayfs');
  assert.equal(await onMachine('stat -fc %T /'), 'overlayfs');
  // What containerd's overlayfs snapshotter does with each layer.
  const d = '/var/lib/containerd/lab-check';
  assert.equal(
    await onMachine(
      `mkdir -p ${d}/l ${d}/u ${d}/w ${d}/m && echo lower > ${d}/l/f && ` +
        `mount -t overlay overlay -o lowerdir=${d}/l,upperdir=${d}/u,workdir=${d}/w ${d}/m && ` +
        `cat ${d}/m/f && echo upper > ${d}/m/g && umount ${d}/m && cat ${d}/u/g`,
    ),
    'lower\nupper',
  );
  await labStopHost(LAB, 'master-1');
  await labStartHost(LAB, 'master-1');
  assert.equal(await onMachine(`cat ${d}/u/g`), 'upper');
  assert.ok(existsSync(join(hostDir(LAB, 'master-1'), 'containerd/lab-check/u/g')));
});

test('lab down removes the containerd folder and the machine cgroups', async () => {
  await labDown({ name: LAB });
  assert.ok(!existsSync(hostDir(LAB, 'master-1')));
  const plan = machineCgroupPlan(
    parseCgroupMounts(readFileSync('/proc/mounts', 'utf8')),
    readFileSync('/proc/self/cgroup', 'utf8'),
    `${LAB}-master-1`,
  );
  assert.ok(plan.length > 0);
  for (const { dir } of plan) assert.ok(!existsSync(dir), dir);
});
