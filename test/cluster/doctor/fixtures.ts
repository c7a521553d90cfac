// Probe output as a healthy control-plane + etcd host of pkiCluster() prints it, with knobs to
// break one thing at a time.
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUabc\n-----END CERTIFICATE-----';

export function probeOutput(
  o: {
    etcdMetrics?: string;
    alarms?: string;
    apiserver?: string;
    kubelet?: string;
    rootUse?: [number, number];
    servedCert?: string;
    addresses?: string[];
    backends?: string;
    time?: number;
    node?: boolean;
  } = {},
): string {
  const [used, free] = o.rootUse ?? [40_000_000_000, 60_000_000_000];
  const total = used + free;
  const unit = (id: string, active: string) =>
    `Id=${id}.service\nActiveState=${active}\nSubState=${active === 'active' ? 'running' : 'dead'}\nResult=success\nNRestarts=0\n`;
  return [
    '### time',
    String(o.time ?? 1765040000000),
    '### timesync',
    'yes',
    '### units',
    unit('kubelet', o.kubelet ?? 'active'),
    unit('etcd', 'active'),
    unit('kube-apiserver', o.apiserver ?? 'active'),
    '### df',
    `/ /dev/vda ${total} ${used} ${free} 40% /`,
    `/var/lib/etcd /dev/vda ${total} ${used} ${free} 40% /`,
    '### dfi',
    '/ /dev/vda 1000000 100000 900000 10% /',
    '### addresses',
    ...(o.addresses ?? ['127.0.0.1/8', '10.1.1.11/24', '10.1.1.10/32']),
    '### etcd-metrics',
    o.etcdMetrics ??
      [
        'etcd_server_has_leader 1',
        'etcd_server_leader_changes_seen_total 1',
        'etcd_mvcc_db_total_size_in_bytes 2e+07',
        'etcd_server_quota_backend_bytes 8.589934592e+09',
      ].join('\n'),
    '### etcd-alarms',
    o.alarms ?? 'exit=0',
    '### readyz',
    'ok',
    '### served-cert',
    `Subject: CN = kube-apiserver\nCert:\n${o.servedCert ?? PEM}`,
    '### disk-cert',
    PEM,
    '### backends',
    o.backends ?? 'master-1 200\nmaster-2 200\nmaster-3 200',
    ...(o.node === false ? [] : ['### kubelet-healthz', 'ok', '### containerd', 'ok']),
    '### log-errors',
    'kube-apiserver E1206 10:00:00.000000 1 status.go:71] boom',
    '',
  ].join('\n');
}
