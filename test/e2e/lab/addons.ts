// The add-ons on the installed lab. Lab machines reach no registry and the bundle carries no
// images, so no add-on pod can run here: what is checked is everything short of that — every
// object accepted by the real apiserver (CRDs established, the metrics APIService registered),
// a DaemonSet pod scheduled on every node, the pods failing only for want of images (which the
// install reports, per add-on, as warnings), kubelets pointing pods at the node-local cache, and
// a second apply (the no-op re-install before this) changing nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeHosts } from '../../../cluster/topology';
import { kubectl, type InstalledLab } from './installed-lab';

interface PodList {
  items: { metadata: { name: string }; spec: { nodeName?: string } }[];
}

export function registerAddonTests(ctx: InstalledLab): void {
  test('add-ons: every object accepted, a pod per node scheduled, and only missing images reported', async () => {
    const m1 = ctx.on('master-1');
    const get = async (args: string) => (await m1.run(kubectl(args))).stdout.trim();

    await m1.run(
      kubectl(
        'wait --for=condition=Established --timeout=60s crd/ippools.crd.projectcalico.org crd/ipamblocks.crd.projectcalico.org',
      ),
    );
    assert.equal(
      await get(`get apiservice v1beta1.metrics.k8s.io -o jsonpath='{.spec.service.name}'`),
      'metrics-server',
    );
    const nodes = nodeHosts(ctx.cluster)
      .map((h) => h.name)
      .sort();
    for (const app of ['calico-node', 'node-local-dns']) {
      const pods = JSON.parse(await get(`-n kube-system get pods -l k8s-app=${app} -o json`)) as PodList;
      assert.deepEqual(
        pods.items.map((p) => p.spec.nodeName ?? '').sort(),
        nodes,
        `${app}: one pod on every node`,
      );
    }
    // Applied twice by now (the install and its no-op re-run): the specs never changed.
    for (const obj of [
      'daemonset/calico-node',
      'daemonset/node-local-dns',
      'deployment/coredns',
      'deployment/metrics-server',
    ])
      assert.equal(await get(`-n kube-system get ${obj} -o jsonpath='{.metadata.generation}'`), '1', obj);

    const result = await ctx.client.result<{ warnings: string[] }>(`install-${ctx.lab.name}`);
    const addonWarnings = result.warnings.filter((w) =>
      /^(calico|coredns|node-local-dns|metrics-server): /.test(w),
    );
    for (const w of addonWarnings) process.stderr.write(`  [addons] ${w}\n`);
    for (const prefix of [
      'calico: daemonset/calico-node 0/5 ready',
      'node-local-dns: daemonset/node-local-dns 0/5 ready',
      'metrics-server: apiservice/v1beta1.metrics.k8s.io unavailable',
    ])
      assert.ok(
        addonWarnings.some((w) => w.startsWith(prefix)),
        `no "${prefix}" among:\n${addonWarnings.join('\n')}`,
      );
    // The DaemonSets' pods are scheduled and fail only on images (the sandbox's pause image first).
    const calico = addonWarnings.find((w) => w.startsWith('calico: daemonset/calico-node')) as string;
    assert.match(calico, /image|ImagePull|ErrImage/, calico);

    const kubeletDns = await ctx.on('worker-1').run(`grep -A1 '^clusterDNS:' /var/lib/kubelet/config.yaml`);
    assert.match(kubeletDns.stdout, /169\.254\.20\.10/);
  });
}
