// Reads whether the add-ons run (cluster/manifests/addon-readiness.ts decides) and waits for
// them, reporting what is still missing as heartbeat details while it waits.
import type { Addon } from '../../cluster/manifests/addons';
import { ADDON_NAMESPACE } from '../../cluster/manifests/addons';
import {
  addonReadiness,
  describeNotReady,
  type AddonReadiness,
  type ClusterObjects,
} from '../../cluster/manifests/addon-readiness';
import type { Host } from '../ssh';
import { kubectl } from '../controlplane/control-plane';
import { reportProgress } from '../liveness';

const POLL_MS = 5_000;

interface List<T> {
  items: T[];
}

async function readObjects(host: Host, addons: Addon[]): Promise<ClusterObjects> {
  const json = async <T>(args: string) =>
    (JSON.parse((await host.run(kubectl(args))).stdout) as List<T>).items;
  const apiNames = addons.flatMap((a) => a.apiServices);
  return {
    daemonSets: await json(`-n ${ADDON_NAMESPACE} get daemonsets -o json`),
    deployments: await json(`-n ${ADDON_NAMESPACE} get deployments -o json`),
    pods: await json(`-n ${ADDON_NAMESPACE} get pods -o json`),
    events: await json(
      `-n ${ADDON_NAMESPACE} get events --field-selector type=Warning --sort-by=.lastTimestamp -o json`,
    ),
    apiServices:
      apiNames.length === 0
        ? []
        : (await json<ClusterObjects['apiServices'][number]>('get apiservices -o json')).filter((a) =>
            apiNames.includes(a.metadata.name),
          ),
  };
}

/** Polls until every add-on is ready or `timeoutMs` passes (0: one look); returns the last reading. */
export async function waitForAddons(host: Host, addons: Addon[], timeoutMs: number): Promise<AddonReadiness> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const readiness = addonReadiness(addons, await readObjects(host, addons));
    if (readiness.notReady.length === 0 || Date.now() >= deadline) return readiness;
    reportProgress({ waitingFor: readiness.notReady.map(describeNotReady) });
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
  }
}
