// The etcd member unit: TLS for clients and peers with client-cert auth on both, as in the
// binary-install runbooks. `state` is "new" while the cluster forms, "existing" for a join.
import type { Cluster, HostSpec } from '../spec';
import { BIN_DIR, pki } from '../layout';
import { etcdInitialCluster, etcdHosts } from '../topology';
import { renderUnit } from './systemd';

export interface EtcdMemberOptions {
  state: 'new' | 'existing';
  /** Members of the initial cluster (all etcd hosts for "new"; current members + this one for a join). */
  members?: HostSpec[];
  /** Token that keeps members of different clusters apart; a restore uses a fresh one. */
  clusterToken?: string;
}

export function etcdFlags(
  c: Cluster,
  host: HostSpec,
  opts: EtcdMemberOptions,
): [string, string | number | boolean][] {
  const ip = host.address;
  return [
    ['name', host.name],
    ['data-dir', c.spec.etcd.dataDir],
    ['listen-client-urls', `https://${ip}:2379,https://127.0.0.1:2379`],
    ['advertise-client-urls', `https://${ip}:2379`],
    ['listen-peer-urls', `https://${ip}:2380`],
    ['initial-advertise-peer-urls', `https://${ip}:2380`],
    ['initial-cluster', etcdInitialCluster(c, opts.members ?? etcdHosts(c))],
    ['initial-cluster-token', opts.clusterToken ?? `hakube-${c.metadata.name}`],
    ['initial-cluster-state', opts.state],
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

export function renderEtcdUnit(c: Cluster, host: HostSpec, opts: EtcdMemberOptions): string {
  return renderUnit({
    description: `etcd member ${host.name} (hakube)`,
    documentation: 'https://etcd.io/docs/',
    after: ['network-online.target'],
    wants: ['network-online.target'],
    type: 'notify',
    execStart: `${BIN_DIR}/etcd`,
    flags: etcdFlags(c, host, opts),
    limitNoFile: 65536,
  });
}
