// etcdctl invocations and parsing of their JSON output (pure; the activities run them).
import { BIN_DIR, pki } from './layout';

/** The member on this host, as every etcd host listens on loopback too (cluster/render/etcd.ts). */
export const LOCAL_ETCD = 'https://127.0.0.1:2379';

export function etcdctl(endpoints: string, args: string): string {
  return [
    // The v3 API is etcdctl's default since 3.4; 3.7 warns about ETCDCTL_API in the environment.
    `${BIN_DIR}/etcdctl`,
    `--endpoints=${endpoints}`,
    `--cacert=${pki.etcdCa.cert}`,
    `--cert=${pki.etcdHealthcheckClient.cert}`,
    `--key=${pki.etcdHealthcheckClient.key}`,
    '--command-timeout=10s',
    args,
  ].join(' ');
}

export interface EtcdMember {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  /** A learner replicates but does not vote until promoted (a join adds members as learners). */
  isLearner: boolean;
}

export interface EndpointHealth {
  endpoint: string;
  health: boolean;
  error?: string;
}

/** `member list -w json`: ids are uint64 and exceed JSON numbers, so read them as text and print hex. */
export function parseMemberList(json: string): EtcdMember[] {
  const safe = json.replace(/"(ID|id|cluster_id|member_id)":\s*(\d+)/g, '"$1":"$2"');
  const parsed = JSON.parse(safe) as {
    members?: {
      ID: string;
      name?: string;
      peerURLs?: string[];
      clientURLs?: string[];
      isLearner?: boolean;
    }[];
  };
  return (parsed.members ?? []).map((m) => ({
    id: BigInt(m.ID).toString(16),
    name: m.name ?? '',
    peerURLs: m.peerURLs ?? [],
    clientURLs: m.clientURLs ?? [],
    isLearner: m.isLearner === true,
  }));
}

/** `endpoint health -w json` prints one JSON array (3.4+). */
export function parseEndpointHealth(json: string): EndpointHealth[] {
  const parsed = JSON.parse(json) as { endpoint: string; health: boolean; error?: string }[];
  return parsed.map((e) => ({ endpoint: e.endpoint, health: e.health, error: e.error }));
}

/**
 * What keeps a cluster from being healthy: endpoints that fail, members that never started
 * (`--cluster` asks members' client URLs, and a member added or restored but not yet started
 * has none, so it would be skipped rather than reported), and a member count other than expected.
 */
export function etcdHealthProblems(
  members: EtcdMember[],
  endpoints: EndpointHealth[],
  expectMembers?: number,
): string[] {
  return [
    ...endpoints.filter((e) => !e.health).map((e) => `${e.endpoint} (${e.error ?? '?'})`),
    ...members
      .filter((m) => m.clientURLs.length === 0)
      .map((m) => `${m.name || m.id} (not started: no client URL)`),
    ...(expectMembers !== undefined && members.length !== expectMembers
      ? [`${members.length} members, expected ${expectMembers}`]
      : []),
  ];
}
