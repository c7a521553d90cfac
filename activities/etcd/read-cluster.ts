// Reading the etcd cluster from one of its hosts (through the member on that host): the member
// list and every member's health, as the gates, membership changes and reset need them.
import { etcdctl, LOCAL_ETCD, parseEndpointHealth, parseMemberList } from '../../cluster/etcdctl';
import type { EndpointHealth, EtcdMember } from '../../cluster/etcdctl';
import type { Host } from '../ssh';

export type MemberListRead = { ok: true; members: EtcdMember[] } | { ok: false; error: string };

/** `member list`; a member that does not answer is a result (`ok: false`), not an exception. */
export async function readMemberList(host: Host): Promise<MemberListRead> {
  const r = await host.exec(etcdctl(LOCAL_ETCD, 'member list -w json'), { timeoutMs: 30_000 });
  return r.exitCode === 0
    ? { ok: true, members: parseMemberList(r.stdout) }
    : { ok: false, error: (r.stderr || r.stdout).trim() };
}

/** `endpoint health --cluster`: the endpoints it could read (none when it printed no JSON), and whether all were healthy. */
export async function readEndpointHealth(
  host: Host,
): Promise<{ endpoints: EndpointHealth[]; allHealthy: boolean; error: string }> {
  const r = await host.exec(etcdctl(LOCAL_ETCD, 'endpoint health --cluster -w json'), { timeoutMs: 30_000 });
  const endpoints = r.stdout.trim().startsWith('[') ? parseEndpointHealth(r.stdout) : [];
  return { endpoints, allHealthy: r.exitCode === 0, error: r.stderr.trim() };
}
