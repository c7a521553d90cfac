// Whether the add-ons run, from what the API says (`kubectl get ... -o json`), and if not, why:
// the reason a person would look up first (image pull errors, unschedulable pods, crash loops).
import type { Addon } from './addons';

interface Meta {
  name: string;
  labels?: Record<string, string>;
}
interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface ContainerStatus {
  name: string;
  ready?: boolean;
  state?: { waiting?: { reason?: string; message?: string } };
}

export interface ClusterObjects {
  daemonSets: { metadata: Meta; status?: { desiredNumberScheduled?: number; numberReady?: number } }[];
  deployments: { metadata: Meta; spec?: { replicas?: number }; status?: { readyReplicas?: number } }[];
  apiServices: { metadata: Meta; status?: { conditions?: Condition[] } }[];
  pods: {
    metadata: Meta;
    spec?: { nodeName?: string };
    status?: {
      phase?: string;
      conditions?: Condition[];
      containerStatuses?: ContainerStatus[];
      initContainerStatuses?: ContainerStatus[];
    };
  }[];
  /** Warning events of the namespace: a pod whose sandbox cannot start shows why only there. */
  events?: { involvedObject: { kind?: string; name: string }; reason?: string; message?: string }[];
}

export interface NotReady {
  addon: string;
  object: string;
  ready: string;
  reason: string;
}

export interface AddonReadiness {
  ready: string[];
  notReady: NotReady[];
}

/** The pod's latest warning event, with the image or volume it names if any (sandbox, pull and mount failures do). */
function eventReason(events: ClusterObjects['events'], pod: string): string | undefined {
  const last = (events ?? []).filter((e) => e.involvedObject.name === pod && e.reason).at(-1);
  if (!last?.reason) return undefined;
  const message = last.message ?? '';
  const image = /image "([^"]+)"/.exec(message)?.[1];
  const volume = /volume "([^"]+)"/.exec(message)?.[1];
  return image
    ? `${last.reason} (image ${image})`
    : volume
      ? `${last.reason} (volume ${volume})`
      : last.reason;
}

function podReason(objects: ClusterObjects, app: string): string {
  const mine = objects.pods.filter((p) => p.metadata.labels?.['k8s-app'] === app);
  if (mine.length === 0) return 'no pods created yet';
  const reasons = new Map<string, number>();
  const count = (r: string) => reasons.set(r, (reasons.get(r) ?? 0) + 1);
  for (const p of mine) {
    const unscheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    if (unscheduled) {
      count(`${unscheduled.reason ?? 'Unschedulable'}: ${unscheduled.message ?? ''}`.trim());
      continue;
    }
    const waiting = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]
      .map((s) => s.state?.waiting?.reason)
      .find((r): r is string => !!r && r !== 'PodInitializing');
    count(waiting ?? eventReason(objects.events, p.metadata.name) ?? p.status?.phase ?? 'Pending');
  }
  return [...reasons.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${n} pod${n === 1 ? '' : 's'} ${r}`)
    .join('; ');
}

export function addonReadiness(addons: Addon[], objects: ClusterObjects): AddonReadiness {
  const out: AddonReadiness = { ready: [], notReady: [] };
  for (const addon of addons) {
    const missing: NotReady[] = [];
    for (const w of addon.workloads) {
      const [want, have] =
        w.kind === 'DaemonSet'
          ? ((ds) => [ds?.status?.desiredNumberScheduled ?? 0, ds?.status?.numberReady ?? 0])(
              objects.daemonSets.find((d) => d.metadata.name === w.name),
            )
          : ((d) => [d?.spec?.replicas ?? 1, d?.status?.readyReplicas ?? 0])(
              objects.deployments.find((d) => d.metadata.name === w.name),
            );
      // A DaemonSet with nothing to run yet (no nodes) is not ready either.
      if (want === 0 || have < want)
        missing.push({
          addon: addon.name,
          object: `${w.kind.toLowerCase()}/${w.name}`,
          ready: `${have}/${want}`,
          reason: podReason(objects, w.app),
        });
    }
    for (const name of addon.apiServices) {
      const available = objects.apiServices
        .find((a) => a.metadata.name === name)
        ?.status?.conditions?.find((c) => c.type === 'Available');
      if (available?.status !== 'True')
        missing.push({
          addon: addon.name,
          object: `apiservice/${name}`,
          ready: 'unavailable',
          reason: available?.reason ?? 'no status yet',
        });
    }
    if (missing.length === 0) out.ready.push(addon.name);
    else out.notReady.push(...missing);
  }
  return out;
}

export function describeNotReady(n: NotReady): string {
  const state = n.ready === 'unavailable' ? 'unavailable' : `${n.ready} ready`;
  return `${n.addon}: ${n.object} ${state} (${n.reason})`;
}
