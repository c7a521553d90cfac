// spec.proxy as containerd's environment (image pulls go through the proxy). NO_PROXY always
// holds the cluster's own networks and names, whatever the user lists: pulls from a registry
// inside the cluster, and anything containerd dials on the nodes, must not leave through it.
import type { Cluster } from '../spec';
import { apiEndpoint } from '../topology';
import { environmentAssignment } from './systemd-quote';

/** hakube's NO_PROXY entries, then the user's (spec.proxy.noProxy), without repeats. */
export function noProxyEntries(c: Cluster): string[] {
  const { network, hosts } = c.spec;
  return [
    ...new Set([
      'localhost',
      '127.0.0.1',
      network.podCIDR,
      network.serviceCIDR,
      ...hosts.flatMap((h) => [h.address, h.name]),
      apiEndpoint(c).host,
      '.svc',
      `.${network.clusterDomain}`,
      ...(c.spec.proxy?.noProxy ?? []),
    ]),
  ];
}

/** Environment= assignments for containerd's unit; none without spec.proxy. */
export function proxyEnvironment(c: Cluster): string[] {
  const proxy = c.spec.proxy;
  if (!proxy) return [];
  const set: [string, string | undefined][] = [
    ['HTTP_PROXY', proxy.http],
    ['HTTPS_PROXY', proxy.https],
    ['NO_PROXY', noProxyEntries(c).join(',')],
  ];
  return set.flatMap(([name, value]) =>
    value === undefined ? [] : [environmentAssignment(`spec.proxy (${name})`, name, value)],
  );
}
