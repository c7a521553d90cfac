// `hakube upgrade`: the phases, the steps each host goes through, the worker waves and what a
// person approves. The workflow (workflows/upgrade-cluster.ts) runs these descriptors and
// `--dry-run` prints them. Pure.
import type { Cluster, HostSpec } from '../spec';
import { controlPlaneHosts, etcdHosts, nodeHosts, primaryControlPlane } from '../topology';
import type { PhaseDecl, PlannedStep } from './phases';

export interface UpgradePlanInput {
  cluster: Cluster;
  /** The version every host ends at. */
  to: string;
  /** Workers upgraded at once. */
  waveSize: number;
  /** Each wave waits for a person's approval. */
  approveWaves?: boolean;
  /** Worker waves start only inside this maintenance window (cluster/upgrade/window.ts). */
  window?: string;
  /** Hosts already at the target (read by preflight; none in a dry run, which connects nowhere). */
  current?: readonly string[];
}

export const DEFAULT_WAVE_SIZE = 1;

const on = (key: string, title: string, host: string): PlannedStep => ({ key, title, host });

/** Control-plane hosts first (they must never be older than a kubelet), in the spec's order. */
export function controlPlaneOrder(c: Cluster): HostSpec[] {
  return controlPlaneHosts(c);
}

/** Nodes that are not control-plane hosts, upgraded in waves after the control plane. */
export function workerHosts(c: Cluster): HostSpec[] {
  return nodeHosts(c).filter((h) => !h.roles.includes('control-plane'));
}

/** Workers in waves of `size`, in the spec's order. */
export function upgradeWaves(hosts: readonly HostSpec[], size: number): HostSpec[][] {
  const n = Math.max(1, Math.floor(size));
  const waves: HostSpec[][] = [];
  for (let i = 0; i < hosts.length; i += n) waves.push(hosts.slice(i, i + n));
  return waves;
}

const pending = (p: UpgradePlanInput, hosts: HostSpec[]) =>
  hosts.filter((h) => !(p.current ?? []).includes(h.name));

export const upgradeSteps = {
  versions: (host: string) =>
    on(`preflight/versions/${host}`, 'versions of its binaries and running services', host),
  certificates: (host: string) =>
    on(`preflight/certificates/${host}`, 'certificates valid for the upgrade', host),
  bundle: (): PlannedStep => ({
    key: 'preflight/bundle',
    title: "the target bundle's checksums and version",
  }),
  etcd: (host: string) => on('preflight/etcd', 'every etcd member healthy, space left under the quota', host),
  endpoint: (host: string) => on('preflight/endpoint', '/readyz through the endpoint', host),
  evaluate: (): PlannedStep => ({ key: 'preflight/evaluate', title: 'skew rules and every finding at once' }),
  snapshot: (): PlannedStep => ({
    key: 'snapshot/etcd',
    title: 'a verified etcd snapshot at the backup target',
  }),
  keep: (phase: string, host: string, stamp: string) =>
    on(`${phase}/keep/${host}`, `keep its current binaries (upgrade-${stamp})`, host),
  binaries: (phase: string, host: string) =>
    on(`${phase}/binaries/${host}`, "upload the target's binaries and images", host),
  images: (phase: string, host: string) => on(`${phase}/images/${host}`, "import the target's images", host),
  etcdLeader: (phase: string, host: string) =>
    on(`${phase}/etcd-leader/${host}`, 'move etcd leadership off it if it leads', host),
  restartEtcd: (phase: string, host: string) =>
    on(`${phase}/restart-etcd/${host}`, 'restart etcd if it runs a replaced binary', host),
  etcdQuorum: (phase: string, host: string) =>
    on(`${phase}/etcd-quorum/${host}`, 'every etcd member healthy', host),
  restartApiserver: (phase: string, host: string) =>
    on(`${phase}/restart-apiserver/${host}`, 'restart kube-apiserver on the new binary', host),
  readyz: (phase: string, host: string) =>
    on(`${phase}/readyz/${host}`, 'its apiserver answers /readyz', host),
  restartControllers: (phase: string, host: string) =>
    on(`${phase}/restart-controllers/${host}`, 'restart kube-controller-manager and kube-scheduler', host),
  leaders: (phase: string, host: string) =>
    on(`${phase}/leaders/${host}`, 'controller-manager and scheduler leases renewed', host),
  restartNode: (phase: string, host: string) =>
    on(`${phase}/restart-node/${host}`, 'restart containerd, kubelet, kube-proxy on the new binaries', host),
  nodeReady: (phase: string, host: string, to: string) =>
    on(`${phase}/node-ready/${host}`, `the node is Ready at ${to}`, host),
  endpointAnswers: (phase: string, host: string, via: string) =>
    on(`${phase}/endpoint/${host}`, '/readyz through the endpoint', via),
  drain: (phase: string, host: string, via: string) =>
    on(`${phase}/drain/${host}`, 'cordon and drain (waits while a PodDisruptionBudget blocks)', via),
  uncordon: (phase: string, host: string, via: string) => on(`${phase}/uncordon/${host}`, 'uncordon', via),
  waveWindow: (wave: number) => ({ key: `workers/window/${wave}`, title: 'wait for the maintenance window' }),
  waveApproval: (wave: number) => ({
    key: `workers/approval/${wave}`,
    title: 'wait for approval of this wave',
  }),
  restorePrevious: (phase: string, host: string) =>
    on(`${phase}/rollback/${host}`, 'put its previous binaries back', host),
  restartPrevious: (phase: string, host: string) =>
    on(`${phase}/restart-previous/${host}`, 'restart what runs a replaced binary', host),
  decision: (phase: string, host: string) =>
    on(`${phase}/decision/${host}`, 'wait for a decision: continue, stop, or roll back', host),
  finalVersions: (host: string) =>
    on(`verify/versions/${host}`, 'every component reports the target version', host),
};

/** One control-plane host's upgrade, in order. */
export function controlPlaneHostSteps(c: Cluster, host: HostSpec, to: string, stamp: string): PlannedStep[] {
  const phase = 'control-plane';
  const h = host.name;
  const etcd = host.roles.includes('etcd')
    ? [
        upgradeSteps.etcdLeader(phase, h),
        upgradeSteps.restartEtcd(phase, h),
        upgradeSteps.etcdQuorum(phase, h),
      ]
    : [];
  const via = primaryControlPlane(c).name;
  return [
    upgradeSteps.drain(phase, h, via),
    upgradeSteps.keep(phase, h, stamp),
    upgradeSteps.binaries(phase, h),
    upgradeSteps.images(phase, h),
    ...etcd,
    upgradeSteps.restartApiserver(phase, h),
    upgradeSteps.readyz(phase, h),
    upgradeSteps.restartControllers(phase, h),
    upgradeSteps.leaders(phase, h),
    upgradeSteps.restartNode(phase, h),
    upgradeSteps.nodeReady(phase, h, to),
    upgradeSteps.uncordon(phase, h, via),
    upgradeSteps.endpointAnswers(phase, h, via),
  ];
}

/** One worker's upgrade, in order (`via` runs kubectl). */
export function workerHostSteps(host: HostSpec, to: string, stamp: string, via: string): PlannedStep[] {
  const phase = 'workers';
  const h = host.name;
  return [
    upgradeSteps.drain(phase, h, via),
    upgradeSteps.keep(phase, h, stamp),
    upgradeSteps.binaries(phase, h),
    upgradeSteps.images(phase, h),
    upgradeSteps.restartNode(phase, h),
    upgradeSteps.nodeReady(phase, h, to),
    upgradeSteps.uncordon(phase, h, via),
  ];
}

/** The stamp a dry run prints where a run uses its start time. */
const PLAN_STAMP = '<stamp>';

export const UPGRADE_PHASES = [
  {
    name: 'preflight',
    title: 'Versions, skew rules, the target bundle, cluster health, certificates, etcd space',
    steps: ({ cluster }) => {
      const first = primaryControlPlane(cluster).name;
      return [
        ...cluster.spec.hosts.map((h) => upgradeSteps.versions(h.name)),
        upgradeSteps.bundle(),
        upgradeSteps.etcd(etcdHosts(cluster)[0]?.name ?? first),
        upgradeSteps.endpoint(first),
        ...cluster.spec.hosts.map((h) => upgradeSteps.certificates(h.name)),
        upgradeSteps.evaluate(),
      ];
    },
  },
  {
    name: 'approval',
    title: 'Wait for approval',
    approval: true,
    notApplicable: (p) => (nothingToDo(p) ? `every host runs ${p.to}` : undefined),
  },
  {
    name: 'snapshot',
    title: 'A verified etcd snapshot before anything changes',
    notApplicable: (p) => (nothingToDo(p) ? `every host runs ${p.to}` : undefined),
    steps: () => [upgradeSteps.snapshot()],
  },
  {
    name: 'control-plane',
    title: 'Control-plane hosts, one at a time behind health gates',
    notApplicable: (p) =>
      pending(p, controlPlaneOrder(p.cluster)).length === 0
        ? `every control-plane host runs ${p.to}`
        : undefined,
    steps: (p) =>
      pending(p, controlPlaneOrder(p.cluster)).flatMap((h) =>
        controlPlaneHostSteps(p.cluster, h, p.to, PLAN_STAMP),
      ),
  },
  {
    name: 'workers',
    title: 'Workers in waves: drain, new kubelet and kube-proxy, Ready, uncordon',
    notApplicable: (p) =>
      pending(p, workerHosts(p.cluster)).length === 0 ? `every worker runs ${p.to}` : undefined,
    steps: (p) => {
      const via = primaryControlPlane(p.cluster).name;
      return upgradeWaves(pending(p, workerHosts(p.cluster)), p.waveSize).flatMap((wave, i) => [
        ...(p.window ? [upgradeSteps.waveWindow(i + 1)] : []),
        ...(p.approveWaves ? [upgradeSteps.waveApproval(i + 1)] : []),
        ...wave.flatMap((h) => workerHostSteps(h, p.to, PLAN_STAMP, via)),
      ]);
    },
  },
  {
    name: 'verify',
    title: 'Every component reports the target version',
    steps: ({ cluster }) => cluster.spec.hosts.map((h) => upgradeSteps.finalVersions(h.name)),
  },
] as const satisfies readonly PhaseDecl<UpgradePlanInput>[];

export type UpgradePhaseName = (typeof UPGRADE_PHASES)[number]['name'];

function nothingToDo(p: UpgradePlanInput): boolean {
  const current = p.current ?? [];
  return p.cluster.spec.hosts.every((h) => current.includes(h.name) || !nodeHosts(p.cluster).includes(h));
}

/** What a person approves: the order, the gates, and what happens when one fails. */
export function upgradePlan(
  p: UpgradePlanInput & { from?: string; stamp: string; window?: string },
): string[] {
  const cp = pending(p, controlPlaneOrder(p.cluster)).map((h) => h.name);
  const waves = upgradeWaves(pending(p, workerHosts(p.cluster)), p.waveSize);
  return [
    `upgrade ${p.cluster.metadata.name}${p.from ? ` from ${p.from}` : ''} to ${p.to}`,
    `1. a verified etcd snapshot at the backup target (restore it with \`hakube restore\` if all else fails)`,
    `2. control-plane hosts one at a time: ${cp.join(', ') || 'none'}; on each: drained, current binaries kept as upgrade-${p.stamp}, ` +
      'new ones uploaded, etcd leadership moved off, etcd, kube-apiserver, controller-manager, scheduler, kubelet, kube-proxy ' +
      'restarted in that order, each behind its gate (members healthy, its /readyz, leases renewed, node Ready), then uncordoned and /readyz through the endpoint',
    `3. workers in ${waves.length} wave${waves.length === 1 ? '' : 's'} of at most ${p.waveSize}: ${
      waves.map((w) => w.map((h) => h.name).join('+')).join(', ') || 'none'
    }; each drained (PodDisruptionBudgets honoured: a blocked drain waits), upgraded, Ready at ${p.to}, uncordoned` +
      `${p.approveWaves ? '; each wave waits for approval' : ''}${p.window ? `; waves start only inside ${p.window}` : ''}`,
    '4. a host whose gate fails gets its previous binaries back and the upgrade waits for a decision: ' +
      '`hakube approve` continues with the next hosts, `hakube reject` stops, `hakube reject --roll-back` also puts the hosts done so far back',
  ];
}
