// A 3-master + 1-worker spec for PKI tests.
import assert from 'node:assert/strict';
import { validateClusterSpec } from '../../cluster/validate';
import type { Cluster } from '../../cluster/spec';

export function pkiCluster(vip = '10.1.1.10'): Cluster {
  const r = validateClusterSpec({
    apiVersion: 'hakube.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'pki' },
    spec: {
      ssh: { privateKeyPath: '/k' },
      hosts: [
        { name: 'master-1', address: '10.1.1.11', roles: ['control-plane', 'etcd'] },
        { name: 'master-2', address: '10.1.1.12', roles: ['control-plane', 'etcd'] },
        { name: 'master-3', address: '10.1.1.13', roles: ['control-plane', 'etcd'] },
        { name: 'worker-1', address: '10.1.1.21', roles: ['worker'] },
      ],
      controlPlaneEndpoint: { mode: 'keepalived', vip, interface: 'eth0' },
      network: { serviceCIDR: '10.96.0.0/16', clusterDomain: 'corp.local', clusterDNS: '10.96.0.10' },
    },
  });
  assert.ok(r.cluster, JSON.stringify(r.problems));
  return r.cluster;
}
