// ensureEtcdMember: the member's unit with TLS flags, started (not awaited: a forming cluster's
// members wait for each other; the health gate follows). checkEtcdHealth: the gate.
// The bootstrap environment file is written only while the member has no data: afterwards etcd
// ignores it, and rewriting it would restart a running member for nothing.
import { ApplicationFailure } from '@temporalio/common';
import { etcdHealthProblems, type EndpointHealth, type EtcdMember } from '../../cluster/etcdctl';
import { renderEtcdBootstrapEnv, renderEtcdUnit, type EtcdMemberOptions } from '../../cluster/render/etcd';
import { X509Certificate } from 'node:crypto';
import { files, pki } from '../../cluster/layout';
import { etcdHosts } from '../../cluster/topology';
import { readText, type Host } from '../ssh';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { ensureService, unitState, type ServiceResult } from '../host/ensure-service';
import { readEndpointHealth, readMemberList } from './read-cluster';

export interface EnsureEtcdMemberInput extends HostInput {
  state: EtcdMemberOptions['state'];
  /** `name=peerURL,...` for a member joining a running cluster (default: every etcd host of the spec). */
  initialCluster?: string;
  /**
   * The cluster is formed (a re-run): a (re)start waits until the member is ready — etcd tells
   * systemd so once it serves, which needs a leader — so members restart one after another.
   */
  waitReady?: boolean;
}

export interface EtcdHealth {
  members: EtcdMember[];
  endpoints: EndpointHealth[];
}

export const EtcdUnhealthy = 'EtcdUnhealthy';

/**
 * A new cluster's token names its etcd CA (the same on every member): the cluster id etcd derives
 * from token and peer URLs is then new whenever the CA is, e.g. after `hakube reset`, so a
 * member of the old cluster can never be mistaken for one of the new.
 */
async function clusterTokenFromCa(host: Host, cluster: string): Promise<string> {
  const pem = await readText(host, pki.etcdCa.cert);
  if (!pem) throw new Error(`${host.name}: no etcd CA at ${pki.etcdCa.cert} (the certs phase puts it there)`);
  const fingerprint = new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
  return `hakube-${cluster}-${fingerprint.slice(0, 12)}`;
}

export function createEtcdActivities(deps: { hosts: HostProvider }) {
  return {
    async ensureEtcdMember(input: EnsureEtcdMemberInput): Promise<ServiceResult> {
      const { spec, host } = resolveHost(deps.hosts, input);
      const { dataDir } = input.cluster.spec.etcd;
      await host.ensureDir(dataDir, { mode: 0o700 });
      await host.ensureDir('/etc/etcd', { mode: 0o755 });
      const hasData = (await host.stat(`${dataDir}/member`)) !== undefined;
      const bootstrap = renderEtcdBootstrapEnv(input.cluster, {
        state: input.state,
        initialCluster: input.initialCluster,
        clusterToken: hasData ? undefined : await clusterTokenFromCa(host, input.cluster.metadata.name),
      });
      return ensureService(host, {
        unit: 'etcd',
        unitContent: renderEtcdUnit(input.cluster, spec),
        files: hasData ? [] : [{ path: files.etcdEnv, content: bootstrap }],
        noBlock: !input.waitReady,
      });
    },

    /**
     * Whether the etcd cluster is already formed: a member list answers through any etcd host of
     * the spec where etcd runs (tried in order). A fresh install finds none; a re-run finds the
     * running cluster.
     */
    async readEtcdFormed(input: HostInput): Promise<{ formed: boolean; via?: string; members?: number }> {
      for (const h of etcdHosts(input.cluster)) {
        const { host } = resolveHost(deps.hosts, { cluster: input.cluster, host: h.name });
        // No etcd running there: nothing to ask (etcdctl would wait out its command timeout,
        // 10 s per host, on every fresh install).
        if ((await unitState(host, 'etcd')) !== 'active') continue;
        const list = await readMemberList(host).catch(() => ({ ok: false as const, error: '' }));
        if (list.ok) return { formed: true, via: h.name, members: list.members.length };
      }
      return { formed: false };
    },

    /** Healthy when every member of the cluster answers; run from `host` against the local member. */
    async checkEtcdHealth(input: HostInput & { expectMembers?: number }): Promise<EtcdHealth> {
      const { host } = resolveHost(deps.hosts, input);
      const list = await readMemberList(host);
      if (!list.ok) {
        throw ApplicationFailure.create({
          type: EtcdUnhealthy,
          message: `etcd on ${input.host} does not answer: ${list.error}`,
        });
      }
      const { members } = list;
      const health = await readEndpointHealth(host);
      const { endpoints } = health;
      const problems = etcdHealthProblems(members, endpoints, input.expectMembers);
      if (!health.allHealthy || problems.length > 0) {
        throw ApplicationFailure.create({
          type: EtcdUnhealthy,
          message: `etcd not healthy yet: ${members.length} members, unhealthy: ${problems.join(', ') || health.error || 'none'}`,
        });
      }
      return { members, endpoints };
    },
  };
}
