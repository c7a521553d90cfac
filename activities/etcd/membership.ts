// Membership changes of a running etcd cluster, each an idempotent ensure run through a
// member that answers: add a joining host as a learner only if it is absent, promote it once
// it has caught up, remove a leaving host's member (leadership moved off it first) only if
// it would not break quorum.
import { ApplicationFailure } from '@temporalio/common';
import { parseEndpointStatus } from '../../cluster/backup/snapshots';
import { etcdctl, LOCAL_ETCD, type EtcdMember } from '../../cluster/etcdctl';
import {
  clientUrl,
  joiningInitialCluster,
  memberOf,
  peerUrl,
  removalProblems,
} from '../../cluster/etcd-membership';
import { ErrorTypes } from '../../cluster/errors';
import { hostByName } from '../../cluster/topology';
import type { Cluster, HostSpec } from '../../cluster/spec';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import type { Host } from '../ssh';
import { EtcdUnhealthy } from './ensure-member';
import { readEndpointHealth, readMemberList } from './read-cluster';

export interface MembershipInput extends HostInput {
  /** Members to run etcdctl on, tried in order until one answers (never the host being changed). */
  via: string[];
}

export interface MemberAdded {
  memberId: string;
  /** False when the member was already there (a retry, or a crash after `member add`). */
  added: boolean;
  /** `--initial-cluster` for the joining member: the member list, exactly. */
  initialCluster: string;
  members: number;
}

export interface MemberRemoved {
  memberId?: string;
  removed: boolean;
  /** Leadership was moved off the member before its removal. */
  movedLeaderTo?: string;
  members: number;
}

export interface RemovalCheck {
  memberId?: string;
  members: number;
  problems: string[];
}

const hexId = (decimal: string) => BigInt(decimal).toString(16);

async function removalCheck(host: Host, members: EtcdMember[], leaving: HostSpec): Promise<RemovalCheck> {
  const member = memberOf(members, leaving);
  if (!member) return { members: members.length, problems: [] };
  const { endpoints } = await readEndpointHealth(host);
  return {
    memberId: member.id,
    members: members.length,
    problems: removalProblems(members, endpoints, leaving),
  };
}

export function createEtcdMembershipActivities(deps: { hosts: HostProvider }) {
  /** The first `via` member whose etcd answers `member list`, with that list. */
  async function answeringMember(
    cluster: Cluster,
    via: string[],
  ): Promise<{ host: Host; name: string; members: EtcdMember[] }> {
    const failures: string[] = [];
    for (const name of via) {
      const { host } = resolveHost(deps.hosts, { cluster, host: name });
      try {
        const list = await readMemberList(host);
        if (list.ok) return { host, name, members: list.members };
        failures.push(`${name}: ${list.error}`);
      } catch (err) {
        failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    throw ApplicationFailure.create({
      type: EtcdUnhealthy,
      message: `no etcd member answers (${failures.join('; ') || 'none to ask'})`,
    });
  }

  return {
    async ensureEtcdMemberAdded(input: MembershipInput): Promise<MemberAdded> {
      const joining = hostByName(input.cluster, input.host);
      const { host, members } = await answeringMember(input.cluster, input.via);
      let member = memberOf(members, joining);
      let list = members;
      const added = !member;
      if (!member) {
        // A learner does not vote, so the cluster's quorum is unchanged until it has caught up.
        const r = await host.exec(
          etcdctl(LOCAL_ETCD, `member add ${joining.name} --peer-urls=${peerUrl(joining)} --learner`),
          { timeoutMs: 30_000 },
        );
        if (r.exitCode !== 0) {
          throw ApplicationFailure.create({
            type: EtcdUnhealthy,
            message: `member add ${joining.name} failed: ${r.stderr.trim()}`,
          });
        }
        const after = await readMemberList(host);
        if (!after.ok) throw new Error(`member list after adding ${joining.name}: ${after.error}`);
        list = after.members;
        member = memberOf(list, joining);
        if (!member) throw new Error(`member add ${joining.name} succeeded but the member is not listed`);
      }
      let initialCluster: string;
      try {
        initialCluster = joiningInitialCluster(list, joining);
      } catch (err) {
        throw ApplicationFailure.create({
          type: ErrorTypes.EtcdMembershipBlocked,
          message: err instanceof Error ? err.message : String(err),
          nonRetryable: true,
        });
      }
      return { memberId: member.id, added, initialCluster, members: list.length };
    },

    /** Promotes the joining learner; etcd refuses until it has caught up with the leader (retried). */
    async ensureEtcdMemberPromoted(input: MembershipInput): Promise<{ memberId: string; promoted: boolean }> {
      const joining = hostByName(input.cluster, input.host);
      const { host, members } = await answeringMember(input.cluster, input.via);
      const member = memberOf(members, joining);
      if (!member) {
        throw ApplicationFailure.create({
          type: ErrorTypes.EtcdMembershipBlocked,
          message: `${joining.name} is not an etcd member (was it removed meanwhile?)`,
          nonRetryable: true,
        });
      }
      if (!member.isLearner) return { memberId: member.id, promoted: false };
      const r = await host.exec(etcdctl(LOCAL_ETCD, `member promote ${member.id}`), { timeoutMs: 30_000 });
      if (r.exitCode !== 0) {
        throw ApplicationFailure.create({
          type: EtcdUnhealthy,
          message: `${joining.name} is not ready to vote yet: ${r.stderr.trim()}`,
        });
      }
      return { memberId: member.id, promoted: true };
    },

    /**
     * Before a member restarts (a rolling restart): if it leads, leadership moves to a healthy
     * voter first, so the cluster never waits an election timeout for a new leader.
     */
    async ensureEtcdNotLeader(input: HostInput): Promise<{ movedLeaderTo?: string }> {
      const spec = hostByName(input.cluster, input.host);
      const { host, members } = await answeringMember(input.cluster, [input.host]);
      const member = memberOf(members, spec);
      if (!member) return {};
      return { movedLeaderTo: await moveLeadershipOff(host, members, member, spec) };
    },

    /** Read-only: what removing the host's member would risk (the check before an approval). */
    async checkEtcdMemberRemoval(input: MembershipInput): Promise<RemovalCheck> {
      const leaving = hostByName(input.cluster, input.host);
      const { host, members } = await answeringMember(input.cluster, input.via);
      return removalCheck(host, members, leaving);
    },

    /** Removes the leaving host's member if present; refuses (non-retryable) when quorum would be at risk. */
    async ensureEtcdMemberRemoved(input: MembershipInput): Promise<MemberRemoved> {
      const leaving = hostByName(input.cluster, input.host);
      const { host, members } = await answeringMember(input.cluster, input.via);
      const check = await removalCheck(host, members, leaving);
      const member = memberOf(members, leaving);
      if (!member) return { removed: false, members: members.length };
      if (check.problems.length > 0) {
        throw ApplicationFailure.create({
          type: ErrorTypes.QuorumAtRisk,
          message: `removing ${leaving.name} from etcd is refused: ${check.problems.join('; ')}`,
          nonRetryable: true,
        });
      }
      const movedLeaderTo = await moveLeadershipOff(host, members, member, leaving);
      const r = await host.exec(etcdctl(LOCAL_ETCD, `member remove ${member.id}`), { timeoutMs: 30_000 });
      if (r.exitCode !== 0 && !/member not found/i.test(r.stderr)) {
        throw ApplicationFailure.create({
          type: EtcdUnhealthy,
          message: `member remove ${leaving.name} failed: ${r.stderr.trim()}`,
        });
      }
      return { memberId: member.id, removed: true, movedLeaderTo, members: members.length - 1 };
    },
  };
}

/** If the member leads, hands leadership to a healthy voter first (no election gap). */
async function moveLeadershipOff(
  host: Host,
  members: EtcdMember[],
  leavingMember: EtcdMember,
  leaving: HostSpec,
): Promise<string | undefined> {
  const r = await host.exec(etcdctl(LOCAL_ETCD, 'endpoint status --cluster -w json'), { timeoutMs: 30_000 });
  if (r.exitCode !== 0 || !r.stdout.trim().startsWith('[')) return undefined;
  const statuses = parseEndpointStatus(r.stdout);
  const leaderId = statuses[0] ? hexId(statuses[0].leaderId) : undefined;
  if (leaderId !== leavingMember.id) return undefined;
  const answering = new Set(statuses.map((s) => hexId(s.memberId)));
  const transferee = members.find((m) => m.id !== leavingMember.id && !m.isLearner && answering.has(m.id));
  if (!transferee) return undefined;
  // move-leader must be sent to the current leader.
  const moved = await host.exec(etcdctl(clientUrl(leaving), `move-leader ${transferee.id}`), {
    timeoutMs: 30_000,
  });
  return moved.exitCode === 0 ? transferee.name : undefined;
}
