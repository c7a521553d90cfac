// haproxy.cfg for the API endpoint: a TCP frontend on the LB port on every control-plane
// host, balancing to every kube-apiserver with an HTTPS /readyz health check.
import type { Cluster } from '../spec';
import { apiserverPort, controlPlaneHosts } from '../topology';

/** How haproxy checks each apiserver's /readyz: every `intervalS`, down after `fall` failures. */
// Every 2 s, down after 2 failures: a stopping apiserver is out of rotation within 6 s, which is
// the shutdown delay every restart then pays (was 3 s x 3: 12 s, on each of the suite's many
// apiserver restarts). /readyz is cheap; 3 haproxies x N apiservers / 2 s is no load.
export const APISERVER_CHECK = { intervalS: 2, fall: 2, rise: 2 } as const;

/** Longest time haproxy may still route to an apiserver whose /readyz fails (its checks, plus one check's slack). */
export const APISERVER_MARK_DOWN_S = APISERVER_CHECK.intervalS * (APISERVER_CHECK.fall + 1);

export function renderHaproxyConfig(c: Cluster): string {
  const ep = c.spec.controlPlaneEndpoint;
  const backends = controlPlaneHosts(c).map(
    (h) =>
      `    server ${h.name} ${h.address}:${apiserverPort(c)} check check-ssl verify none inter ${APISERVER_CHECK.intervalS}s fall ${APISERVER_CHECK.fall} rise ${APISERVER_CHECK.rise}`,
  );
  return [
    '# Rendered by hakube; changes are overwritten.',
    'global',
    '    log /dev/log local0 warning',
    '    maxconn 4000',
    '    daemon',
    '',
    'defaults',
    '    mode tcp',
    '    log global',
    '    option tcplog',
    '    option dontlognull',
    // A stopped apiserver refuses connections before the health check marks it down (up to
    // APISERVER_MARK_DOWN_S): retry the connect on another backend instead of failing the client.
    '    option redispatch',
    '    retries 3',
    '    timeout connect 5s',
    '    timeout client 35m',
    '    timeout server 35m',
    '    timeout check 5s',
    '',
    'frontend kube-apiserver',
    `    bind *:${ep.port}`,
    '    default_backend kube-apiserver',
    '',
    'backend kube-apiserver',
    '    option httpchk GET /readyz HTTP/1.0',
    '    http-check expect status 200',
    '    balance roundrobin',
    '    default-server on-marked-down shutdown-sessions',
    ...backends,
    '',
  ].join('\n');
}
