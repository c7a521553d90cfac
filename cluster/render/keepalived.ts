// keepalived.conf for the VIP: VRRP over unicast between the control-plane hosts (works where
// multicast is filtered), priorities by host order, and a check script tracking the LB port so
// the VIP leaves a host whose haproxy is down.
import type { Cluster, HostSpec } from '../spec';
import { files } from '../layout';
import { controlPlaneHosts, vipParts } from '../topology';
import { configWord } from './refuse';

/** A stable 8-character VRRP password from the cluster name (VRRP auth is only a guard against mixups). */
export function vrrpPassword(clusterName: string): string {
  let h = 0x811c9dc5;
  for (const ch of clusterName) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

export function keepalivedPriority(c: Cluster, host: HostSpec): number {
  return 150 - controlPlaneHosts(c).findIndex((h) => h.name === host.name);
}

export function renderKeepalivedConfig(c: Cluster, host: HostSpec): string {
  const ep = c.spec.controlPlaneEndpoint;
  if (ep.mode !== 'keepalived') throw new Error('keepalived is only rendered for mode keepalived');
  const { address, prefix } = vipParts(ep.vip);
  // keepalived.conf has no quoting: every value is a plain word or is refused.
  const iface = configWord('spec.controlPlaneEndpoint.interface', ep.interface);
  const vip = configWord('spec.controlPlaneEndpoint.vip', `${address}/${prefix}`);
  const peers = controlPlaneHosts(c)
    .filter((h) => h.name !== host.name)
    .map((h) => `        ${configWord(`${h.name} address`, h.address)}`);
  return [
    '# Rendered by hakube; changes are overwritten.',
    'global_defs {',
    `    router_id ${configWord('host name', host.name)}`,
    '    script_user root',
    '    enable_script_security',
    '}',
    '',
    'vrrp_script check_apiserver_lb {',
    `    script "${files.keepalivedCheck}"`,
    '    interval 2',
    '    timeout 3',
    '    fall 2',
    '    rise 2',
    '    weight -60',
    '}',
    '',
    'vrrp_instance hakube_api {',
    '    state BACKUP',
    `    interface ${iface}`,
    `    virtual_router_id ${ep.virtualRouterId}`,
    `    priority ${keepalivedPriority(c, host)}`,
    '    advert_int 1',
    // A lone control-plane host has no peer to advertise to, and keepalived refuses a unicast
    // block without peers: leave it out until a second one joins (the join re-renders this).
    ...(peers.length === 0
      ? []
      : [
          `    unicast_src_ip ${configWord(`${host.name} address`, host.address)}`,
          '    unicast_peer {',
          ...peers,
          '    }',
        ]),
    '    authentication {',
    '        auth_type PASS',
    `        auth_pass ${vrrpPassword(c.metadata.name)}`,
    '    }',
    '    virtual_ipaddress {',
    `        ${vip} dev ${iface}`,
    '    }',
    '    track_script {',
    '        check_apiserver_lb',
    '    }',
    '}',
    '',
  ].join('\n');
}

/** Healthy when haproxy runs and the LB port accepts connections on this host. */
export function renderKeepalivedCheckScript(c: Cluster): string {
  return [
    '#!/bin/bash',
    "# Rendered by hakube: keepalived drops this host's priority when the local LB stops answering.",
    'pidof haproxy >/dev/null || exit 1',
    `exec 3<>/dev/tcp/127.0.0.1/${c.spec.controlPlaneEndpoint.port} || exit 1`,
    'exit 0',
    '',
  ].join('\n');
}
