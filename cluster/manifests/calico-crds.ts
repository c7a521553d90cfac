// Calico's custom resources (Kubernetes datastore mode). Their schemas are left open
// (x-kubernetes-preserve-unknown-fields): calico-node, kube-controllers and calicoctl validate
// the objects themselves; the definitions only have to exist with the right names and scopes.
import { CALICO_VERSION } from './addon-versions';
import { managedBy, type K8sObject } from './documents';

type Scope = 'Cluster' | 'Namespaced';

/** [Kind, plural, scope] of every crd.projectcalico.org resource Calico reads or writes. */
const CALICO_KINDS: [string, string, Scope][] = [
  ['BGPConfiguration', 'bgpconfigurations', 'Cluster'],
  ['BGPFilter', 'bgpfilters', 'Cluster'],
  ['BGPPeer', 'bgppeers', 'Cluster'],
  ['BlockAffinity', 'blockaffinities', 'Cluster'],
  ['CalicoNodeStatus', 'caliconodestatuses', 'Cluster'],
  ['ClusterInformation', 'clusterinformations', 'Cluster'],
  ['FelixConfiguration', 'felixconfigurations', 'Cluster'],
  ['GlobalNetworkPolicy', 'globalnetworkpolicies', 'Cluster'],
  ['GlobalNetworkSet', 'globalnetworksets', 'Cluster'],
  ['HostEndpoint', 'hostendpoints', 'Cluster'],
  ['IPAMBlock', 'ipamblocks', 'Cluster'],
  ['IPAMConfig', 'ipamconfigs', 'Cluster'],
  ['IPAMHandle', 'ipamhandles', 'Cluster'],
  ['IPPool', 'ippools', 'Cluster'],
  ['IPReservation', 'ipreservations', 'Cluster'],
  ['KubeControllersConfiguration', 'kubecontrollersconfigurations', 'Cluster'],
  ['NetworkPolicy', 'networkpolicies', 'Namespaced'],
  ['NetworkSet', 'networksets', 'Namespaced'],
  ['Tier', 'tiers', 'Cluster'],
];

const OPEN_SCHEMA = { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };

function crd(
  group: string,
  version: string,
  [kind, plural, scope]: [string, string, Scope],
  annotations: Record<string, string> = {},
): K8sObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${plural}.${group}`,
      labels: { ...managedBy, 'hakube.io/addon': 'calico', 'hakube.io/addon-version': CALICO_VERSION },
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: {
      group,
      scope,
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{ name: version, served: true, storage: true, schema: OPEN_SCHEMA }],
    },
  };
}

export function calicoCustomResourceDefinitions(): K8sObject[] {
  return [
    ...CALICO_KINDS.map((k) => crd('crd.projectcalico.org', 'v1', k)),
    // Calico enforces the admin network policies of sig-network; *.k8s.io groups need the
    // approval annotation, which names the API's review.
    crd('policy.networking.k8s.io', 'v1alpha1', ['AdminNetworkPolicy', 'adminnetworkpolicies', 'Cluster'], {
      'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/network-policy-api/pull/30',
    }),
  ];
}

export const CALICO_RESOURCES = CALICO_KINDS.map(([, plural]) => plural);
