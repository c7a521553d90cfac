// How a doctor report reads: most severe first, the same finding on several hosts on one line
// naming them, one host's evidence for the group, and a last line that says whether to act.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doctorLines } from '../../client/doctor-view';
import type { Finding } from '../../cluster/doctor/finding';
import type { DoctorReport } from '../../cluster/doctor/report';

const AT = '2026-12-06T10:00:00.000Z';
const ntp = (host: string): Finding => ({
  check: 'clock/not-synchronized',
  severity: 'info',
  host,
  message: `${host}: its clock is not synchronized by NTP`,
  evidence: [{ source: `${host}$ timedatectl show -p NTPSynchronized --value`, output: 'no', at: AT }],
  fix: `timedatectl set-ntp true on ${host} (or configure chrony)`,
});
const etcdDown: Finding = {
  check: 'unit/not-active',
  severity: 'critical',
  host: 'master-3',
  message: 'master-3: etcd is inactive',
  evidence: [{ source: 'master-3$ systemctl show etcd', output: 'inactive (dead)', at: AT }],
  fix: 'journalctl -u etcd -n 100 on master-3',
};
const report = (findings: Finding[], actionable: number): DoctorReport => ({
  cluster: 'prod',
  at: AT,
  hosts: ['master-1', 'master-2', 'master-3'],
  findings,
  actionable,
});

test('groups the same finding across hosts, most severe first, one evidence per group', () => {
  const lines = doctorLines(report([etcdDown, ntp('master-1'), ntp('master-2')], 1));
  assert.deepEqual(lines, [
    `doctor prod: 3 hosts, read at ${AT}`,
    '',
    'CRITICAL unit/not-active: master-3: etcd is inactive',
    `  evidence: master-3$ systemctl show etcd (${AT})`,
    '    inactive (dead)',
    '  fix: journalctl -u etcd -n 100 on master-3',
    '',
    'info clock/not-synchronized: its clock is not synchronized by NTP [master-1, master-2]',
    `  evidence: master-1$ timedatectl show -p NTPSynchronized --value (${AT})`,
    '    no',
    '  fix: timedatectl set-ntp true on <host> (or configure chrony)',
    '',
    '1 finding(s) need action (1 critical, 2 info)',
  ]);
  assert.equal(
    doctorLines(report([ntp('master-1'), ntp('master-2')], 0), { verbose: true }).filter((l) =>
      l.includes('evidence'),
    ).length,
    2,
  );
});

test('a healthy report says nothing needs action', () => {
  assert.equal(doctorLines(report([], 0)).at(-1), 'nothing needs action');
});
