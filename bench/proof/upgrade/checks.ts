// What the upgrade scenario reads back from the cluster and from an upgrade's progress: every
// node's Ready condition, kubelet version and cordon, each apiserver's /version, how long each
// host took, and the fault that makes worker-2's gate fail.
import { kubectl } from '../../../activities/controlplane/control-plane';
import type { RemoteHost } from '../../../activities/ssh';
import { shq } from '../../../activities/ssh/shell';
import type { OperationProgress } from '../../../cluster/progress';
import type { Cluster } from '../../../cluster/spec';
import { controlPlaneHosts } from '../../../cluster/topology';

export interface NodeState {
  name: string;
  ready: boolean;
  kubeletVersion: string;
  unschedulable: boolean;
}

interface NodeList {
  items: {
    metadata: { name: string };
    spec: { unschedulable?: boolean };
    status: { nodeInfo: { kubeletVersion: string }; conditions?: { type: string; status: string }[] };
  }[];
}

export async function nodeStates(master: RemoteHost): Promise<NodeState[]> {
  const r = await master.run(kubectl('get nodes -o json'));
  return (JSON.parse(r.stdout) as NodeList).items.map((n) => ({
    name: n.metadata.name,
    ready: n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    kubeletVersion: n.status.nodeInfo.kubeletVersion,
    unschedulable: n.spec.unschedulable === true,
  }));
}

/** Each control-plane host's apiserver's /version (gitVersion), asked on its own address. */
export async function apiserverVersions(
  cluster: Cluster,
  on: (host: string) => RemoteHost,
): Promise<Record<string, string>> {
  const port = cluster.spec.controlPlaneEndpoint.apiserverPort ?? 6443;
  const out: Record<string, string> = {};
  for (const h of controlPlaneHosts(cluster)) {
    const url = `https://${h.address}:${port}/version`;
    const r = await on(h.name).exec(`curl -sS --max-time 5 --cacert /etc/kubernetes/pki/ca.crt ${shq(url)}`);
    out[h.name] =
      r.exitCode === 0
        ? ((JSON.parse(r.stdout) as { gitVersion?: string }).gitVersion ?? '?')
        : `error: ${r.stderr.trim()}`;
  }
  return out;
}

/** Seconds from a host's first step to its last in the control-plane and workers phases. */
export function hostSeconds(p: OperationProgress): Record<string, number> {
  const span: Record<string, { from: number; to: number }> = {};
  for (const phase of p.phases.filter((x) => x.name === 'control-plane' || x.name === 'workers'))
    for (const st of phase.steps) {
      const host = st.key.split('/').pop() as string;
      if (!st.startedAt || /^\d+$/.test(host)) continue;
      const from = Date.parse(st.startedAt);
      const to = st.endedAt ? Date.parse(st.endedAt) : from;
      const s = (span[host] ??= { from, to });
      s.from = Math.min(s.from, from);
      s.to = Math.max(s.to, to);
    }
  return Object.fromEntries(
    Object.entries(span).map(([h, s]) => [h, Math.round((s.to - s.from) / 100) / 10]),
  );
}

/** A drop-in that keeps kubelet from starting on the target's binary (and only that one). */
export const FAIL_DROP_IN = '/etc/systemd/system/kubelet.service.d/99-hakube-proof-fail.conf';

export function failKubeletAt(version: string): string {
  // It goes inside a unit file's quoted argument: a plain version only.
  if (!/^v\d+\.\d+\.\d+$/.test(version)) throw new Error(`not a version: ${version}`);
  const check = `! /usr/local/bin/kubelet --version | grep -qF ${version}`;
  const unit = `[Service]\nExecStartPre=/bin/sh -c '${check}'\n`;
  return `mkdir -p /etc/systemd/system/kubelet.service.d && printf %s ${shq(unit)} > ${FAIL_DROP_IN} && systemctl daemon-reload`;
}

export const REMOVE_FAIL_DROP_IN = `rm -f ${FAIL_DROP_IN} && systemctl daemon-reload`;
