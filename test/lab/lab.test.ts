// The lab on real systemd-nspawn machines: SSH with key auth, systemd running, independent
// disks, persistence across power cycles, partitions, idempotent up, and a clean down.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import {
  labDown,
  labHeal,
  labPartition,
  labStartHost,
  labStatus,
  labStopHost,
  labUp,
  LabInputError,
  type LabInfo,
} from '../../lab';
import { bridgeName, labDir } from '../../lab/names';
import { sshExec } from '../helpers/ssh2-exec';

const LAB = 't-lab';
let lab: LabInfo;

const hostAddress = (name: string) => lab.hosts.find((h) => h.name === name)?.address as string;
const onHost = (name: string, command: string) => sshExec(hostAddress(name), lab.sshKeyPath, command);
const nspawnCount = () =>
  execFileSync('sh', ['-c', `pgrep -fc '[s]ystemd-nspawn .*--machine=${LAB}-' || true`])
    .toString()
    .trim();

before(async () => {
  lab = await labUp({
    name: LAB,
    masters: 3,
    workers: 0,
    onProgress: (l) => process.stderr.write(`  [lab] ${l}\n`),
  });
});

after(async () => {
  await labDown({ name: LAB });
});

test('each machine answers SSH (ssh2, key auth) with its own hostname and a running systemd', async () => {
  const names = await Promise.all(
    lab.hosts.map(async (h) => (await onHost(h.name, 'hostname')).stdout.trim()),
  );
  assert.deepEqual(names, ['master-1', 'master-2', 'master-3']);
  for (const h of lab.hosts) {
    const state = (await onHost(h.name, 'systemctl is-system-running')).stdout.trim();
    const failed = (await onHost(h.name, 'systemctl --failed --no-legend --plain')).stdout.trim();
    // No unit is expected to fail: units that cannot work in a container are masked in the base (lab/README.md).
    assert.equal(state, 'running', `${h.name}: ${state}; failed units: ${failed}`);
  }
});

test('each machine has its own machine-id and the privileges Kubernetes needs', async () => {
  const ids = await Promise.all(
    lab.hosts.map(async (h) => (await onHost(h.name, 'cat /etc/machine-id')).stdout.trim()),
  );
  assert.equal(new Set(ids).size, ids.length, `machine ids: ${ids.join(' ')}`);
  // Full capability set (kubelet, runc), the kernel log (kubelet's OOM watcher).
  const caps = (await onHost('master-1', 'grep CapEff /proc/self/status; test -c /dev/kmsg && echo kmsg'))
    .stdout;
  assert.match(caps, /kmsg/);
  assert.ok(BigInt(`0x${/CapEff:\s+([0-9a-f]+)/.exec(caps)?.[1]}`) > 0xffffffffn, caps);
});

test('bad names and sizes are input errors', async () => {
  await assert.rejects(labUp({ name: 'Bad_Name', masters: 1, workers: 0 }), LabInputError);
  await assert.rejects(labUp({ name: 'ok', masters: 0, workers: 0 }), LabInputError);
  await assert.rejects(labUp({ name: 'ok', masters: 1, workers: -1 }), LabInputError);
  await assert.rejects(labStopHost(LAB, 'master-9'), LabInputError);
});

test('taking down a lab whose name prefixes this one leaves this one alone', async () => {
  await labDown({ name: 't' });
  assert.equal(nspawnCount(), '3');
});

test('machines have independent disks', async () => {
  await onHost('master-1', 'echo only-here > /root/independence-check');
  assert.equal((await onHost('master-1', 'cat /root/independence-check')).stdout.trim(), 'only-here');
  for (const other of ['master-2', 'master-3'])
    assert.notEqual((await onHost(other, 'test -e /root/independence-check')).code, 0);
});

test('a unit enabled on a machine survives lab stop + lab start', async () => {
  await onHost(
    'master-2',
    'printf "[Service]\\nExecStart=/bin/sleep infinity\\n[Install]\\nWantedBy=multi-user.target\\n" > /etc/systemd/system/lab-probe.service && systemctl enable --now lab-probe',
  );
  await labStopHost(LAB, 'master-2');
  assert.equal((await labStatus({ name: LAB }))[0].hosts.find((h) => h.name === 'master-2')?.running, false);
  await assert.rejects(onHost('master-2', 'true'));
  await labStartHost(LAB, 'master-2');
  assert.equal((await onHost('master-2', 'systemctl is-active lab-probe')).stdout.trim(), 'active');
});

test('partition drops all traffic of a machine; heal restores it', async () => {
  await labPartition(LAB, 'master-3');
  assert.equal(
    (await labStatus({ name: LAB }))[0].hosts.find((h) => h.name === 'master-3')?.partitioned,
    true,
  );
  await assert.rejects(sshExec(hostAddress('master-3'), lab.sshKeyPath, 'true', 3000));
  await labHeal(LAB, 'master-3');
  assert.equal((await onHost('master-3', 'hostname')).stdout.trim(), 'master-3');
});

test('machines reach their peers; their default route ends at the host, which forwards nothing out', async () => {
  const routes = (await onHost('master-1', 'ip -4 route')).stdout;
  const gateway = `${hostAddress('master-1').split('.').slice(0, 3).join('.')}.1`;
  // Kubernetes needs a default route on a node (Service addresses); it leads to the host's bridge address.
  assert.match(routes, new RegExp(`^default via ${gateway.replace(/\./g, '\\.')} dev eth0`, 'm'));
  assert.equal(
    (await onHost('master-1', `ping -c1 -W2 ${hostAddress('master-2')} >/dev/null && echo ok`)).stdout.trim(),
    'ok',
  );
  // The host drops whatever the bridge would forward elsewhere, and masquerades nothing from the lab.
  const br = bridgeName(LAB);
  for (const rule of [
    ['-i', br, '!', '-o', br],
    ['!', '-i', br, '-o', br],
  ])
    execFileSync('iptables', [
      '-C',
      'FORWARD',
      ...rule,
      '-j',
      'DROP',
      '-m',
      'comment',
      '--comment',
      'hakube-lab',
    ]);
  const nat = execFileSync('iptables', ['-t', 'nat', '-S']).toString();
  assert.doesNotMatch(
    nat,
    new RegExp(`${gateway.replace(/\.1$/, '').replace(/\./g, '\\.')}\\.0/24.*MASQUERADE`),
  );
  assert.match(readFileSync(lab.specPath, 'utf8'), /interface: eth0/);
});

test('lab up again leaves one lab with the same machines', async () => {
  const again = await labUp({ name: LAB, masters: 3, workers: 0 });
  assert.deepEqual(
    again.hosts.map((h) => [h.name, h.address]),
    lab.hosts.map((h) => [h.name, h.address]),
  );
  assert.equal(nspawnCount(), '3');
});

test('lab down leaves no bridge, mount, nspawn process, namespace or overlay behind', async () => {
  await labDown({ name: LAB });
  assert.equal(nspawnCount(), '0');
  assert.doesNotMatch(readFileSync('/proc/mounts', 'utf8'), new RegExp(labDir(LAB)));
  assert.notEqual(
    execFileSync('sh', ['-c', `ip link show ${bridgeName(LAB)} >/dev/null 2>&1; echo $?`])
      .toString()
      .trim(),
    '0',
  );
  assert.ok(!existsSync(labDir(LAB)));
  const netns = existsSync('/run/netns') ? execFileSync('ls', ['/run/netns']).toString() : '';
  assert.doesNotMatch(netns, new RegExp(`hakube-${LAB}-`));
  const cgroups = execFileSync('sh', [
    '-c',
    'ls -d /sys/fs/cgroup/*/hakube-lab/* /sys/fs/cgroup/hakube-lab/* 2>/dev/null || true',
  ]);
  assert.doesNotMatch(cgroups.toString(), new RegExp(`/${LAB}-`));
});
