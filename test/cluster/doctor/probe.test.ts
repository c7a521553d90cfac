// doctor's probe: the script is valid sh and only asks what each host's roles run; its output,
// healthy or not, parses into the facts the judges read, and hostile output is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { doctorProbeScript, parseDoctorProbe, parseDf, parseUnits } from '../../../cluster/doctor/probe';
import { hostByName } from '../../../cluster/topology';
import { pkiCluster } from '../../helpers/pki-cluster';
import { probeOutput } from './fixtures';

test('the probe script is valid sh, and asks only what the host runs', () => {
  const c = pkiCluster();
  const master = doctorProbeScript(c, hostByName(c, 'master-1'));
  const worker = doctorProbeScript(c, hostByName(c, 'worker-1'));
  for (const s of [master, worker]) execFileSync('sh', ['-n', '-c', s]);
  assert.match(master, /### etcd-metrics/);
  assert.match(master, /### backends/);
  assert.match(master, /'https:\/\/10\.1\.1\.12:6443\/readyz'/);
  assert.doesNotMatch(worker, /etcd-metrics|### readyz|### backends|### addresses/);
  assert.match(worker, /### kubelet-healthz/);
  assert.match(worker, /'\/var\/lib\/containerd'/);
  assert.doesNotMatch(worker, /'\/var\/lib\/etcd'/);
});

test('a healthy control-plane host parses into every fact', () => {
  const p = parseDoctorProbe(probeOutput());
  assert.equal(p.epochMs, 1765040000000);
  assert.equal(p.timeSynchronized, true);
  assert.deepEqual(
    p.units.map((u) => `${u.unit}:${u.active}`),
    ['kubelet:active', 'etcd:active', 'kube-apiserver:active'],
  );
  assert.deepEqual(p.disk, [
    { path: '/', mount: '/', usedPercent: 40, free: 60_000_000_000 },
    { path: '/var/lib/etcd', mount: '/', usedPercent: 40, free: 60_000_000_000 },
  ]);
  assert.equal(p.etcd?.hasLeader, true);
  assert.equal(p.etcd?.leaderChanges, 1);
  assert.equal(p.etcd?.dbBytes, 20_000_000);
  assert.equal(p.etcd?.quotaBytes, 8 * 1024 ** 3);
  assert.deepEqual(p.etcd?.alarms, []);
  assert.equal(p.etcd?.alarmsRead, true);
  assert.equal(p.controlPlane?.readyz, 'ok');
  assert.equal(p.controlPlane?.servedCert, p.controlPlane?.diskCert);
  assert.deepEqual(p.controlPlane?.backends, { 'master-1': '200', 'master-2': '200', 'master-3': '200' });
  assert.deepEqual(p.addresses, ['127.0.0.1', '10.1.1.11', '10.1.1.10']);
  assert.deepEqual(p.node, { kubeletHealthz: 'ok', containerdAnswers: true });
  assert.deepEqual(p.logErrors['kube-apiserver'], {
    count: 1,
    last: ['E1206 10:00:00.000000 1 status.go:71] boom'],
  });
});

test('alarms, a missing leader and a stopped unit come through', () => {
  const p = parseDoctorProbe(
    probeOutput({
      etcdMetrics: 'etcd_server_has_leader 0\netcd_server_leader_changes_seen_total 14',
      alarms: 'memberID:1234 alarm:NOSPACE\nexit=0',
      apiserver: 'inactive',
    }),
  );
  assert.equal(p.etcd?.hasLeader, false);
  assert.deepEqual(p.etcd?.alarms, ['NOSPACE']);
  assert.equal(p.units.find((u) => u.unit === 'kube-apiserver')?.active, 'inactive');
});

test('what the host says is checked like user input', () => {
  const units = parseUnits([
    'Id=kubelet.service',
    'ActiveState=active; rm -rf /',
    '',
    'Id=../../etc/passwd',
    'ActiveState=active',
  ]);
  assert.deepEqual(units, [{ unit: 'kubelet', active: 'unknown', sub: '', result: '', restarts: 0 }]);
  assert.deepEqual(parseDf(['relative fs 10 5 5 50% /', '/x fs NaN 1 1 1% /']), []);
  const p = parseDoctorProbe(
    '### backends\nmaster-1 200\n$(reboot) 200\n### readyz\nok\n### addresses\n10.0.0.1/24\n`x`/1\n',
  );
  assert.deepEqual(p.controlPlane?.backends, { 'master-1': '200' });
  assert.deepEqual(p.addresses, ['10.0.0.1']);
});

test('a filesystem without inode accounting is left out, a full one is counted as df counts it', () => {
  const d = parseDf([
    '/ overlay 0 0 0 - /',
    '/var/lib/containerd /dev/vdb 1000 951 49 96% /var/lib/containerd',
  ]);
  assert.deepEqual(d, [
    { path: '/var/lib/containerd', mount: '/var/lib/containerd', usedPercent: 96, free: 49 },
  ]);
});

test('a section that ends without a newline does not swallow the next marker', () => {
  const c = pkiCluster();
  const script = doctorProbeScript(c, hostByName(c, 'master-1'));
  // Every marker is echoed on a fresh line; the PEM on disk has no final newline.
  for (const line of script.split('\n').filter((l) => l.includes("'### ")))
    assert.match(line, /^echo; echo '### [a-z-]+';/);
  const out = execFileSync(
    'sh',
    ['-c', "printf 'PEM-no-newline'; echo; echo '### backends'; echo 'master-2 000'"],
    { encoding: 'utf8' },
  );
  assert.deepEqual(parseDoctorProbe(`### readyz\nok\n### disk-cert\n${out}`).controlPlane?.backends, {
    'master-2': '000',
  });
});

test('journal errors: counted, and only the last three kept (the probe is kept in the history)', () => {
  const lines = Array.from(
    { length: 150 },
    (_, i) => `kubelet E1206 10:00:${String(i % 60).padStart(2, '0')}.0 1 x.go:1] error ${i}`,
  );
  const p = parseDoctorProbe(`### log-errors\n${lines.join('\n')}\n`);
  assert.equal(p.logErrors.kubelet.count, 150);
  assert.deepEqual(
    p.logErrors.kubelet.last.map((l) => l.split(' ').pop()),
    ['147', '148', '149'],
  );
});
