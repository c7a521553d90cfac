// The cluster spec a lab writes for its machines (validated by `hakube validate`).
import { stringify } from 'yaml';
import type { LabRecord } from './state';
import { keyPath, knownHostsPath } from './access';
import { hakubeCache } from './names';
import { join } from 'node:path';
import { DEFAULT_ARCH } from '../cluster/bundle';

export const LAB_KUBERNETES_VERSION = 'v1.37.2';

export function renderLabSpec(lab: LabRecord): string {
  const doc = {
    apiVersion: 'hakube.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: lab.name },
    spec: {
      kubernetesVersion: LAB_KUBERNETES_VERSION,
      ssh: {
        user: 'root',
        port: 22,
        privateKeyPath: keyPath(lab.name),
        // The lab recorded every machine's host key when it booted them.
        knownHosts: { path: knownHostsPath(lab.name), policy: 'strict' },
      },
      hosts: lab.hosts.map((h) => ({
        name: h.name,
        address: h.address,
        roles: h.role === 'master' ? ['control-plane', 'etcd'] : ['worker'],
      })),
      controlPlaneEndpoint: {
        mode: 'keepalived',
        vip: `${lab.vip}/24`,
        interface: 'eth0',
        virtualRouterId: 51,
        port: 16443,
      },
      // iptables: this kernel has no ip_vs (see lab/README.md).
      network: {
        podCIDR: '10.244.0.0/16',
        serviceCIDR: '10.96.0.0/16',
        clusterDomain: 'cluster.local',
        clusterDNS: '10.96.0.10',
        nodeLocalDNS: '169.254.20.10',
        proxyMode: 'iptables',
        // flannel: its image is in the offline bundle (calico's are not; docs/addons.md).
        cni: 'flannel',
      },
      etcd: {
        dataDir: '/var/lib/etcd',
        backup: {
          schedule: '0 */6 * * *',
          keep: 10,
          target: { type: 'local', path: join(hakubeCache(), 'backups', lab.name) },
        },
      },
      certificates: { keyAlgorithm: 'ecdsa' },
      // Lab machines reach no registry (no route out): every image comes in the offline bundle and
      // is imported into each node's containerd; the install waits for the add-ons to run.
      images: { source: 'bundle' },
      addons: { readyTimeout: '5m' },
      // The bundle `hakube bundle build` last built for this version (activities/bundle/build.ts).
      artifacts: {
        source: 'bundle',
        bundleDir: join(hakubeCache(), 'bundles', `${LAB_KUBERNETES_VERSION}-${DEFAULT_ARCH}`),
      },
    },
  };
  return `# Written by \`hakube lab up --name ${lab.name}\`: the lab's machines as a hakube cluster.\n${stringify(doc)}`;
}
