// Workloads on the installed lab, after a plain `hakube install` whose images all came in the
// offline bundle: every node Ready, every add-on's pods running, and what users run pods for —
// pod to pod across nodes, a ClusterIP Service and a NodePort from another node, cluster names
// resolved through CoreDNS and through the node-local cache, `kubectl top`, `logs` and `exec`.
// The test pods run the bundle's agnhost (netexec: an HTTP server that answers /hostname).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeHosts } from '../../../cluster/topology';
import { readManifest } from '../../../activities/bundle';
import { eventually } from '../../helpers/temporal';
import { kubectl, nodesRunning, readyNodes, rolloutOrExplain, type InstalledLab } from './installed-lab';

const NS = 'hakube-e2e';
const ADDON_WORKLOADS = [
  'daemonset/kube-flannel',
  'daemonset/node-local-dns',
  'deployment/coredns',
  'deployment/metrics-server',
];

interface PodList {
  items: {
    metadata: { name: string };
    spec: { nodeName?: string };
    status: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
  }[];
}

/** Two netexec pods pinned to two workers, a Service over them (ClusterIP + NodePort), one pod using CoreDNS directly. */
function testWorkloads(workers: string[], agnhost: string): string {
  const pod = (name: string, node: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app: 'web' } },
    spec: {
      nodeName: node,
      containers: [
        { name: 'netexec', image: agnhost, args: ['netexec', '--http-port=8080', '--udp-port=-1'] },
      ],
      ...extra,
    },
  });
  const docs = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    pod('web-a', workers[0]),
    pod('web-b', workers[1]),
    {
      ...pod('dns-direct', workers[0], {
        dnsPolicy: 'None',
        dnsConfig: {
          nameservers: ['10.96.0.10'],
          searches: [`${NS}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'],
        },
      }),
      metadata: { name: 'dns-direct', namespace: NS, labels: { app: 'dns' } },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: NS },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  ];
  return docs.map((d) => JSON.stringify(d)).join('\n');
}

export function registerWorkloadTests(ctx: InstalledLab): void {
  const m1 = () => ctx.on('master-1');
  const get = async (args: string) => (await m1().run(kubectl(args))).stdout.trim();
  const podsIn = async (ns: string, selector = '') =>
    JSON.parse(await get(`-n ${ns} get pods ${selector} -o json`)) as PodList;

  test('workloads: every node Ready and every add-on pod running, on images from the bundle only', async () => {
    const nodes = nodeHosts(ctx.cluster).map((h) => h.name);
    await eventually(
      async () => (await readyNodes(m1())).size === nodes.length || undefined,
      5 * 60_000,
      'every node Ready',
    );
    for (const w of ADDON_WORKLOADS) await rolloutOrExplain(m1(), w, 300);
    const system = await podsIn('kube-system');
    const notRunning = system.items.filter((p) => p.status.phase !== 'Running').map((p) => p.metadata.name);
    assert.deepEqual(notRunning, [], 'kube-system pods not Running');
    for (const app of ['flannel', 'node-local-dns'])
      assert.deepEqual(
        [...(await nodesRunning(m1(), app))].sort(),
        [...nodes].sort(),
        `${app} on every node`,
      );
    // Applied twice by now (the install and its no-op re-run): the specs never changed.
    for (const w of ADDON_WORKLOADS)
      assert.equal(await get(`-n kube-system get ${w} -o jsonpath='{.metadata.generation}'`), '1', w);
    // Nothing was pulled: every image kubelet used is one containerd got from the bundle import.
    const events = await get(`get events -A --field-selector reason=Pulling -o name`);
    assert.equal(events, '', 'an image was pulled from a registry');
    const result = await ctx.client.result<{ warnings: string[] }>(`install-${ctx.lab.name}`);
    const addonWarnings = result.warnings.filter((w) =>
      /^(flannel|coredns|node-local-dns|metrics-server): /.test(w),
    );
    assert.deepEqual(addonWarnings, [], 'the install reported add-ons not ready');
  });

  test('workloads: pod to pod across nodes, a ClusterIP Service and a NodePort from another node', async () => {
    const workers = nodeHosts(ctx.cluster)
      .filter((h) => h.roles.includes('worker'))
      .map((h) => h.name);
    assert.ok(workers.length >= 2, 'the lab has two workers');
    // agnhost's tag is the Kubernetes module's (test/images/agnhost/VERSION): read it from the bundle.
    const manifest = await readManifest(ctx.cluster.spec.artifacts.bundleDir as string);
    const agnhost = manifest.images?.find((i) => i.name.includes('/e2e-test-images/agnhost:'))?.name;
    assert.ok(agnhost, 'the bundle has agnhost');
    await m1().run(kubectl('apply -f -'), { stdin: testWorkloads(workers, agnhost) });
    await m1().run(kubectl(`-n ${NS} wait --for=condition=Ready pod --all --timeout=180s`), {
      timeoutMs: 200_000,
    });
    const pods = await podsIn(NS);
    const ip = (name: string) => pods.items.find((p) => p.metadata.name === name)?.status.podIP as string;
    assert.notEqual(ip('web-a'), ip('web-b'));

    // Pod to pod, web-a on one worker to web-b on the other (agnhost connect exits non-zero on failure).
    await m1().run(kubectl(`-n ${NS} exec web-a -- /agnhost connect --timeout=5s ${ip('web-b')}:8080`));
    // A host to a pod on another host: the flannel routes on the control-plane hosts too.
    assert.equal(
      (await ctx.on('master-2').run(`curl -sS --max-time 5 http://${ip('web-b')}:8080/hostname`)).stdout,
      'web-b',
    );

    const clusterIP = await get(`-n ${NS} get service web -o jsonpath='{.spec.clusterIP}'`);
    const nodePort = await get(`-n ${NS} get service web -o jsonpath='{.spec.ports[0].nodePort}'`);
    // kube-proxy on each node programs a new Service asynchronously (its sync follows the
    // Endpoints, seconds on a loaded lab): wait until master-3 answers through it at all, then
    // count who answers.
    const curlClusterIP = `curl -sS --max-time 5 http://${clusterIP}/hostname`;
    await eventually(
      async () => (await ctx.on('master-3').exec(curlClusterIP)).exitCode === 0 || undefined,
      60_000,
      `the Service ${clusterIP} programmed on master-3`,
      500,
    );
    const answers = new Set<string>();
    for (let i = 0; i < 20 && answers.size < 2; i++)
      answers.add(
        (await ctx.on('master-3').run(`curl -sS --max-time 5 http://${clusterIP}/hostname`)).stdout,
      );
    assert.deepEqual(
      [...answers].sort(),
      ['web-a', 'web-b'],
      'the ClusterIP Service balances over both pods',
    );
    const worker1 = ctx.lab.hosts.find((h) => h.name === workers[0])?.address as string;
    // The NodePort is worker-1's kube-proxy's to program: the same wait, there.
    const viaNodePort = await eventually(
      async () => {
        const r = await ctx
          .on('master-3')
          .exec(`curl -sS --max-time 5 http://${worker1}:${nodePort}/hostname`);
        return r.exitCode === 0 ? r.stdout : undefined;
      },
      60_000,
      `the NodePort ${nodePort} programmed on ${workers[0]}`,
      500,
    );
    assert.match(viaNodePort, /^web-[ab]$/);
  });

  test('workloads: cluster names resolve in pods through the node-local cache and through CoreDNS', async () => {
    // Kubelet hands pods the node-local cache's address; the second pod asks CoreDNS directly.
    assert.equal((await get(`-n ${NS} exec web-a -- /agnhost dns-server-list`)).trim(), '169.254.20.10');
    assert.equal((await get(`-n ${NS} exec dns-direct -- /agnhost dns-server-list`)).trim(), '10.96.0.10');
    for (const pod of ['web-a', 'dns-direct']) {
      await m1().run(
        kubectl(
          `-n ${NS} exec ${pod} -- /agnhost connect --timeout=5s kubernetes.default.svc.cluster.local:443`,
        ),
      );
      // Through the Service by name (DNS, then the node's kube-proxy rules, programmed by now).
      await eventually(
        async () =>
          (await m1().exec(kubectl(`-n ${NS} exec ${pod} -- /agnhost connect --timeout=5s web:80`)))
            .exitCode === 0 || undefined,
        60_000,
        `${pod} reaching web:80`,
        1000,
      );
    }
  });

  test('workloads: kubectl top (metrics-server verifying kubelet certificates), logs and exec through the apiserver', async () => {
    const nodes = nodeHosts(ctx.cluster).map((h) => h.name);
    const top = await eventually(
      async () => {
        const r = await m1().exec(kubectl('top nodes --no-headers'));
        const names = r.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(/\s+/)[0]);
        return r.exitCode === 0 && names.length === nodes.length ? r.stdout : undefined;
      },
      4 * 60_000,
      'kubectl top nodes for every node',
    );
    assert.match(top, /\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
    const logs = await get(`-n ${NS} logs web-a`);
    assert.match(logs, /8080/, 'netexec logs its port');
    assert.equal(
      await get(`-n ${NS} exec web-b -- /agnhost dns-suffix`),
      `${NS}.svc.cluster.local,svc.cluster.local,cluster.local`,
    );
    await m1().run(kubectl(`delete namespace ${NS} --wait=false`));
  });
}
