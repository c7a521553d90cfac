// ensureEtcdMember: the member's unit with TLS flags, started (not awaited: a forming cluster's
// members wait for each other; the health gate follows). checkEtcdHealth: the gate.
import { ApplicationFailure } from '@temporalio/common';
import {
  etcdctl,
  LOCAL_ETCD,
  etcdHealthProblems,
  parseEndpointHealth,
  parseMemberList,
  type EndpointHealth,
  type EtcdMember,
} from '../../cluster/etcdctl';
import { renderEtcdUnit, type EtcdMemberOptions } from '../../cluster/render/etcd';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { ensureService, type ServiceResult } from '../host/ensure-service';

export interface EnsureEtcdMemberInput extends HostInput {
  state: EtcdMemberOptions['state'];
  /** Names of the initial cluster's members (default: every etcd host of the spec). */
  members?: string[];
}

export interface EtcdHealth {
  members: EtcdMember[];
  endpoints: EndpointHealth[];
}

export const EtcdUnhealthy = 'EtcdUnhealthy';

export function createEtcdActivities(deps: { hosts: HostProvider }) {
  return {
    async ensureEtcdMember(input: EnsureEtcdMemberInput): Promise<ServiceResult> {
      const { spec, host } = resolveHost(deps.hosts, input);
      const members = input.members
        ?.map((n) => input.cluster.spec.hosts.find((h) => h.name === n))
        .filter((h) => h !== undefined);
      await host.ensureDir(input.cluster.spec.etcd.dataDir, { mode: 0o700 });
      return ensureService(host, {
        unit: 'etcd',
        unitContent: renderEtcdUnit(input.cluster, spec, { state: input.state, members }),
        noBlock: true,
      });
    },

    /** Healthy when every member of the cluster answers; run from `host` against the local member. */
    async checkEtcdHealth(input: HostInput & { expectMembers?: number }): Promise<EtcdHealth> {
      const { host } = resolveHost(deps.hosts, input);
      const list = await host.exec(etcdctl(LOCAL_ETCD, 'member list -w json'), { timeoutMs: 30_000 });
      if (list.exitCode !== 0) {
        throw ApplicationFailure.create({
          type: EtcdUnhealthy,
          message: `etcd on ${input.host} does not answer: ${list.stderr.trim()}`,
        });
      }
      const members = parseMemberList(list.stdout);
      const health = await host.exec(etcdctl(LOCAL_ETCD, 'endpoint health --cluster -w json'), {
        timeoutMs: 30_000,
      });
      const endpoints = health.stdout.trim().startsWith('[') ? parseEndpointHealth(health.stdout) : [];
      const problems = etcdHealthProblems(members, endpoints, input.expectMembers);
      if (health.exitCode !== 0 || problems.length > 0) {
        throw ApplicationFailure.create({
          type: EtcdUnhealthy,
          message: `etcd not healthy yet: ${members.length} members, unhealthy: ${problems.join(', ') || health.stderr.trim() || 'none'}`,
        });
      }
      return { members, endpoints };
    },
  };
}
