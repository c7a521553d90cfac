// A validated spec of three control-plane + etcd hosts and a worker (listed first, so code that
// orders hosts is seen doing it), for unit tests of pure planning code.
import { validateClusterSpec } from '../../cluster/validate';
import type { Cluster } from '../../cluster/spec';

export function smallCluster(name: string): Cluster {
  const r = validateClusterSpec({
    apiVersion: 'hakube.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name },
    spec: {
      ssh: { privateKeyPath: '/k' },
      hosts: [
        { name: 'worker-1', address: '10.1.1.21', roles: ['worker'] },
        ...[1, 2, 3].map((n) => ({
          name: `master-${n}`,
          address: `10.1.1.1${n}`,
          roles: ['control-plane', 'etcd'],
        })),
      ],
      controlPlaneEndpoint: { mode: 'keepalived', vip: '10.1.1.10', interface: 'eth0' },
    },
  });
  if (!r.cluster) throw new Error(JSON.stringify(r.problems));
  return r.cluster;
}
