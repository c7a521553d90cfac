// Membership changes of a running etcd cluster (join and removal), as pure rules over
// `member list` and `endpoint health`: which member is a host's, what a joining member's
// initial cluster is, and whether a removal keeps quorum.
import type { EndpointHealth, EtcdMember } from './etcdctl';
import type { HostSpec } from './spec';

export const peerUrl = (host: HostSpec): string => `https://${host.address}:2380`;
export const clientUrl = (host: HostSpec): string => `https://${host.address}:2379`;

/** A host's member, found by its peer URL: a member added but never started has no name yet. */
export function memberOf(members: EtcdMember[], host: HostSpec): EtcdMember | undefined {
  return members.find((m) => m.peerURLs.includes(peerUrl(host)));
}

export const quorumOf = (memberCount: number): number => Math.floor(memberCount / 2) + 1;

/**
 * `--initial-cluster` for a member joining a running cluster: every current member by name and
 * peer URL, the joining one under its own name. etcd refuses to start the member unless this
 * matches the member list exactly, so another member that was added but never started (no name)
 * makes the join impossible until it is removed.
 */
export function joiningInitialCluster(members: EtcdMember[], joining: HostSpec): string {
  const unnamed = members.filter((m) => !m.name && !m.peerURLs.includes(peerUrl(joining)));
  if (unnamed.length > 0)
    throw new Error(
      `member ${unnamed.map((m) => `${m.id} (${m.peerURLs.join(' ')})`).join(', ')} was added but never started; remove it first (etcdctl member remove)`,
    );
  return members
    .map((m) => `${m.peerURLs.includes(peerUrl(joining)) ? joining.name : m.name}=${m.peerURLs[0]}`)
    .join(',');
}

/** Healthy voting members by client URL (learners do not count towards quorum). */
function healthyVoters(members: EtcdMember[], health: EndpointHealth[]): EtcdMember[] {
  const healthy = new Set(health.filter((e) => e.health).map((e) => e.endpoint));
  return members.filter((m) => !m.isLearner && m.clientURLs.some((u) => healthy.has(u)));
}

/**
 * Why removing `host`'s member would endanger the cluster (empty when it is safe): the cluster
 * must be quorate now, and the members left must still make a quorum of the smaller cluster.
 */
export function removalProblems(members: EtcdMember[], health: EndpointHealth[], host: HostSpec): string[] {
  const target = memberOf(members, host);
  if (!target) return [];
  const voters = members.filter((m) => !m.isLearner);
  const healthy = healthyVoters(members, health);
  const problems: string[] = [];
  if (voters.length <= 1) problems.push(`${host.name} is the last etcd member`);
  if (healthy.length < quorumOf(voters.length))
    problems.push(
      `the cluster is not quorate now: ${healthy.length} of ${voters.length} voting members healthy (needs ${quorumOf(voters.length)})`,
    );
  const remainingVoters = voters.filter((m) => m.id !== target.id).length;
  const remainingHealthy = healthy.filter((m) => m.id !== target.id).length;
  if (remainingVoters > 0 && remainingHealthy < quorumOf(remainingVoters))
    problems.push(
      `after the removal ${remainingHealthy} of ${remainingVoters} members would be healthy (a quorum needs ${quorumOf(remainingVoters)})`,
    );
  return problems;
}
