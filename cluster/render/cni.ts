// The node side of the flannel pod network: the standard bridge + host-local + portmap plugins.
// containerd writes this template's config into /etc/cni/net.d when kubelet hands it the node's
// pod CIDR (CRI UpdateRuntimeConfig), which kube-controller-manager allocated at registration; the
// node turns Ready then. flanneld (cluster/manifests/flannel.ts) routes the other nodes' subnets.
// It is a Go text/template of containerd's CRI plugin: {{.PodCIDRRanges}} are the node's ranges.
import type { Cluster } from '../spec';
import { FLANNEL_VXLAN_MTU } from '../manifests/flannel';

export const CNI_CONF_DIR = '/etc/cni/net.d';
export const CNI_CONF_TEMPLATE = '/etc/containerd/cni-conf.template';
/** Where containerd writes the config from the template (and then never rewrites it). */
export const CNI_CONF_FROM_TEMPLATE = `${CNI_CONF_DIR}/10-containerd-net.conflist`;

/** Whether containerd writes the CNI config from the template (the CNI's own pods do otherwise). */
export function usesCniTemplate(c: Cluster): boolean {
  return c.spec.network.cni === 'flannel';
}

export function renderCniConfTemplate(): string {
  const bridge = {
    type: 'bridge',
    bridge: 'cni0',
    // The bridge holds the subnet's gateway address and is every pod's default route.
    isDefaultGateway: true,
    // flanneld routes pod subnets between nodes; nothing is masqueraded (docs/addons.md).
    ipMasq: false,
    hairpinMode: true,
    mtu: FLANNEL_VXLAN_MTU,
    ipam: {
      type: 'host-local',
      ranges: '__RANGES__',
    },
  };
  const conf = {
    cniVersion: '1.0.0',
    name: 'hakube-flannel',
    plugins: [bridge, { type: 'portmap', capabilities: { portMappings: true } }],
  };
  // The ranges are the template's own loop: one host-local range set per pod CIDR of the node.
  const ranges = '[{{range $i, $r := .PodCIDRRanges}}{{if $i}}, {{end}}[{"subnet": "{{$r}}"}]{{end}}]';
  return `${JSON.stringify(conf, null, 2).replace('"__RANGES__"', ranges)}\n`;
}
