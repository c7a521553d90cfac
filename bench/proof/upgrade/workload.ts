// The workload an upgrade must keep serving: 3 replicas of the bundle's agnhost netexec behind a
// NodePort Service, a PodDisruptionBudget of minAvailable 2 (a drain evicts one pod at a time),
// and a preStop sleep so a pod being evicted leaves the Service's endpoints before it stops.
import { readManifest } from '../../../activities/bundle';
import { kubectl } from '../../../activities/controlplane/control-plane';
import type { RemoteHost } from '../../../activities/ssh';

export const WORKLOAD_NS = 'hakube-upgrade-proof';

function manifest(agnhost: string): string {
  const labels = { app: 'web' };
  const docs = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: WORKLOAD_NS } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: WORKLOAD_NS },
      spec: {
        replicas: 3,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 15,
            containers: [
              {
                name: 'netexec',
                image: agnhost,
                args: ['netexec', '--http-port=8080', '--udp-port=-1'],
                ports: [{ containerPort: 8080 }],
                readinessProbe: {
                  httpGet: { path: '/hostname', port: 8080 },
                  periodSeconds: 2,
                  failureThreshold: 1,
                },
                // Endpoints drop a terminating pod asynchronously; it keeps serving meanwhile.
                lifecycle: { preStop: { sleep: { seconds: 5 } } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: WORKLOAD_NS },
      spec: { type: 'NodePort', selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: WORKLOAD_NS },
      spec: { minAvailable: 2, selector: { matchLabels: labels } },
    },
  ];
  return docs.map((d) => JSON.stringify(d)).join('\n');
}

/** Applies the workload through `master`, waits for its rollout; returns the Service's node port. */
export async function deployWorkload(master: RemoteHost, bundleDir: string): Promise<number> {
  // agnhost's tag is the Kubernetes module's: read it from the bundle the cluster runs.
  const images = (await readManifest(bundleDir)).images ?? [];
  const agnhost = images.find((i) => i.name.includes('/e2e-test-images/agnhost:'))?.name;
  if (!agnhost) throw new Error(`the bundle ${bundleDir} has no agnhost image`);
  await master.run(kubectl('apply -f -'), { stdin: manifest(agnhost) });
  await master.run(
    kubectl(`-n ${WORKLOAD_NS} rollout status deployment/web --timeout=300s`, undefined, '320s'),
    {
      timeoutMs: 330_000,
    },
  );
  const port = await master.run(
    kubectl(`-n ${WORKLOAD_NS} get service web -o jsonpath='{.spec.ports[0].nodePort}'`),
  );
  return Number(port.stdout.trim());
}
