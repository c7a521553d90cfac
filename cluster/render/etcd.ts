// The etcd member unit: TLS for clients and peers with client-cert auth on both, as in the
// binary-install runbooks. `state` is "new" while the cluster forms, "existing" for a join.
// The bootstrap settings (initial cluster, state, token) live in an environment file written
// only before the member first starts: etcd ignores them afterwards, and keeping them out of
// the unit means a membership change never rewrites (and so restarts) the other members.
import type { Cluster, HostSpec } from '../spec';
import { BIN_DIR, files, pki } from '../layout';
import { etcdInitialCluster, etcdHosts } from '../topology';
import { renderUnit } from './systemd';
import type { Flag } from './flags';
import { checkedExtraArgs } from './hooks';

export interface EtcdMemberOptions {
  state: 'new' | 'existing';
  /** `name=peerURL,...` of the initial cluster: every etcd host for "new"; the current members and this one for a join. */
  initialCluster?: string;
  /** Token that keeps members of different clusters apart; a restore uses a fresh one. */
  clusterToken?: string;
}

export function etcdFlags(c: Cluster, host: HostSpec): Flag[] {
  const ip = host.address;
  return [
    ['name', host.name, 'from spec.hosts[].name'],
    ['data-dir', c.spec.etcd.dataDir, 'from spec.etcd.dataDir'],
    ['listen-client-urls', `https://${ip}:2379,https://127.0.0.1:2379`, 'from spec.hosts[].address'],
    ['advertise-client-urls', `https://${ip}:2379`, 'from spec.hosts[].address'],
    ['listen-peer-urls', `https://${ip}:2380`, 'from spec.hosts[].address'],
    ['initial-advertise-peer-urls', `https://${ip}:2380`, 'from spec.hosts[].address'],
    ['cert-file', pki.etcdServer.cert],
    ['key-file', pki.etcdServer.key],
    ['trusted-ca-file', pki.etcdCa.cert],
    ['client-cert-auth', true],
    ['peer-cert-file', pki.etcdPeer.cert],
    ['peer-key-file', pki.etcdPeer.key],
    ['peer-trusted-ca-file', pki.etcdCa.cert],
    ['peer-client-cert-auth', true],
    ['snapshot-count', 10000],
    ['auto-compaction-mode', 'periodic'],
    ['auto-compaction-retention', '1h'],
    ['quota-backend-bytes', 8 * 1024 ** 3],
    ['heartbeat-interval', 250],
    ['election-timeout', 2500],
  ];
}

/**
 * The flags the bootstrap environment file sets (ETCD_INITIAL_CLUSTER is --initial-cluster): read
 * back from the rendered file, so the list cannot drift from it.
 */
export function etcdBootstrapFlags(c: Cluster): Flag[] {
  return renderEtcdBootstrapEnv(c, { state: 'new' })
    .split('\n')
    .flatMap((line) => {
      const m = /^ETCD_([A-Z_]+)=(.*)$/.exec(line);
      if (!m) return [];
      const flag: Flag = [
        m[1].toLowerCase().replace(/_/g, '-'),
        m[2],
        `in ${files.etcdEnv} from the etcd hosts before the member first starts`,
      ];
      return [flag];
    });
}

/** The environment file with the bootstrap settings, read by etcd only when its data dir is empty. */
export function renderEtcdBootstrapEnv(c: Cluster, opts: EtcdMemberOptions): string {
  return [
    '# Rendered by hakube before this member first started; etcd ignores it once it has data.',
    `ETCD_INITIAL_CLUSTER=${opts.initialCluster ?? etcdInitialCluster(c, etcdHosts(c))}`,
    `ETCD_INITIAL_CLUSTER_STATE=${opts.state}`,
    `ETCD_INITIAL_CLUSTER_TOKEN=${opts.clusterToken ?? `hakube-${c.metadata.name}`}`,
    '',
  ].join('\n');
}

export function renderEtcdUnit(c: Cluster, host: HostSpec): string {
  const flags = etcdFlags(c, host);
  return renderUnit({
    description: `etcd member ${host.name} (hakube)`,
    documentation: 'https://etcd.io/docs/',
    after: ['network-online.target'],
    wants: ['network-online.target'],
    type: 'notify',
    execStart: `${BIN_DIR}/etcd`,
    environmentFile: files.etcdEnv,
    flags,
    extraArgs: checkedExtraArgs(c, 'etcd', [...flags, ...etcdBootstrapFlags(c)]),
    limitNoFile: 65536,
  });
}
