// Node components: containerd, kubelet via TLS bootstrap (a short-lived token created on the
// first control-plane host and written straight to the node: it never enters workflow
// history), kube-proxy, and the gate that the Node object is registered.
import { ApplicationFailure } from '@temporalio/common';
import { files, kubeconfigs, pki } from '../../cluster/layout';
import { renderBootstrapTokenSecret, renderKubeconfig } from '../../cluster/render/kubeconfig';
import {
  renderContainerdConfig,
  renderContainerdUnit,
  renderCrictlConfig,
  renderKubeletConfig,
  renderKubeletUnit,
  renderKubeProxyConfig,
  renderKubeProxyUnit,
  renderRegistryMirrors,
} from '../../cluster/render/node';
import { apiEndpoint, primaryControlPlane } from '../../cluster/topology';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { kubectl } from '../controlplane/control-plane';
import { CGROUP_PROBE, parseCgroupProbe } from '../../cluster/facts';
import { shq } from '../ssh/shell';
import { ensureService, type ServiceResult } from '../host/ensure-service';
import { imagesForRoles } from '../../cluster/bundle';
import {
  CNI_CONF_FROM_TEMPLATE,
  CNI_CONF_TEMPLATE,
  renderCniConfTemplate,
  usesCniTemplate,
} from '../../cluster/render/cni';
import { readManifest } from '../bundle';
import { bundleDirOf } from '../../cluster/bundle-dir';
import { cancellationSignal, heartbeatOutput } from '../context';
import { ensureBundleImages, type ImagesResult } from './bundle-images';
import type { Host } from '../ssh';

export const NodeNotRegistered = 'NodeNotRegistered';

const TOKEN_TTL_MS = 60 * 60 * 1000;

/** Creates a bootstrap token on the primary host; returns it to the caller's memory only. */
async function createBootstrapToken(primary: Host, forNode: string): Promise<string> {
  const gen = await primary.run("tr -dc 'a-z0-9' </dev/urandom | head -c 22");
  const raw = gen.stdout.trim();
  const id = raw.slice(0, 6);
  const secret = raw.slice(6, 22);
  const expiration = new Date(Date.now() + TOKEN_TTL_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
  // create, not apply: apply would copy the secret into a last-applied annotation.
  await primary.run(kubectl('create -f -'), {
    stdin: renderBootstrapTokenSecret(id, secret, expiration, `hakube join of ${forNode}`),
  });
  return `${id}.${secret}`;
}

async function deleteBootstrapToken(primary: Host, token: string): Promise<void> {
  await primary.exec(
    kubectl(`-n kube-system delete secret bootstrap-token-${token.split('.')[0]} --ignore-not-found`),
  );
}

export function createNodeActivities(deps: { hosts: HostProvider }) {
  return {
    /** containerd, and with spec.images.source bundle the bundle's images imported into it. */
    async ensureContainerd(input: HostInput): Promise<ServiceResult & { images?: ImagesResult }> {
      const { spec, host } = resolveHost(deps.hosts, input);
      for (const dir of ['/etc/containerd', '/etc/cni/net.d', '/var/lib/containerd'])
        await host.ensureDir(dir, { mode: 0o755 });
      const cniTemplate = usesCniTemplate(input.cluster)
        ? [{ path: CNI_CONF_TEMPLATE, content: renderCniConfTemplate() }]
        : [];
      const service = await ensureService(host, {
        unit: 'containerd',
        unitContent: renderContainerdUnit(input.cluster),
        files: [
          { path: files.containerdConfig, content: renderContainerdConfig(input.cluster) },
          { path: files.crictlConfig, content: renderCrictlConfig() },
          ...cniTemplate,
          ...renderRegistryMirrors(input.cluster),
        ],
      });
      if (service.changedFiles.includes(CNI_CONF_TEMPLATE)) await regenerateCniConf(host);
      // Operations started before images existed carry a spec without `images`: nothing to import.
      if (input.cluster.spec.images?.source !== 'bundle') return service;
      const manifest = await readManifest(bundleDirOf(input.cluster));
      const images = await ensureBundleImages(host, imagesForRoles(manifest, spec.roles), {
        signal: cancellationSignal(),
        say: heartbeatOutput(`containerd/${input.host}`),
      });
      return { ...service, images };
    },

    /** kubelet with TLS bootstrap; a node that already has its kubelet.conf is not bootstrapped again. */
    async ensureKubelet(input: HostInput): Promise<ServiceResult & { bootstrapped: boolean }> {
      const { spec, host } = resolveHost(deps.hosts, input);
      const primary = resolveHost(deps.hosts, {
        cluster: input.cluster,
        host: primaryControlPlane(input.cluster).name,
      }).host;
      await host.ensureDir('/var/lib/kubelet', { mode: 0o700 });
      const joined = (await host.stat(kubeconfigs.kubelet)) !== undefined;
      let token: string | undefined;
      if (!joined) {
        token = await createBootstrapToken(primary, input.host);
        const bootstrap = renderKubeconfig({
          cluster: input.cluster.metadata.name,
          server: apiEndpoint(input.cluster).url,
          caPath: pki.ca.cert,
          userName: 'kubelet-bootstrap',
          user: { token },
        });
        await host.ensureFile(kubeconfigs.bootstrapKubelet, Buffer.from(bootstrap), { mode: 0o600 });
      }
      const cgroups = parseCgroupProbe((await host.run(CGROUP_PROBE)).stdout);
      try {
        const result = await ensureService(host, {
          unit: 'kubelet',
          unitContent: renderKubeletUnit(input.cluster, spec),
          files: [{ path: files.kubeletConfig, content: renderKubeletConfig(input.cluster, cgroups) }],
        });
        return { ...result, bootstrapped: !joined };
      } finally {
        // The token is single-purpose: once the kubelet has its own client cert it is deleted
        // (if the kubelet is still bootstrapping, the retry creates a fresh one).
        if (token)
          await waitForKubeletConf(host).finally(() => deleteBootstrapToken(primary, token as string));
      }
    },

    async ensureKubeProxy(input: HostInput): Promise<ServiceResult> {
      const { spec, host } = resolveHost(deps.hosts, input);
      return ensureService(host, {
        unit: 'kube-proxy',
        unitContent: renderKubeProxyUnit(input.cluster, spec),
        files: [{ path: files.kubeProxyConfig, content: renderKubeProxyConfig(input.cluster, spec) }],
      });
    },

    /** Gate: the Node object exists; reports its Ready condition. */
    async checkNodeRegistered(input: HostInput): Promise<{ node: string; ready: string }> {
      const primary = resolveHost(deps.hosts, {
        cluster: input.cluster,
        host: primaryControlPlane(input.cluster).name,
      }).host;
      const r = await primary.exec(
        kubectl(
          `get node ${shq(input.host)} -o ${shq('jsonpath={.status.conditions[?(@.type=="Ready")].status}')}`,
        ),
      );
      if (r.exitCode !== 0) {
        throw ApplicationFailure.create({
          type: NodeNotRegistered,
          message: `node ${input.host} is not registered yet: ${r.stderr.trim()}`,
        });
      }
      return { node: input.host, ready: r.stdout.trim() || 'Unknown' };
    },
  };
}

/**
 * containerd writes the CNI config from its template once, when kubelet hands it the pod CIDR,
 * and keeps it. A changed template takes effect when that config is gone and kubelet hands the
 * CIDR again, which a restarted kubelet does; pods running keep their network until they restart.
 */
async function regenerateCniConf(host: Host): Promise<void> {
  if (!(await host.stat(CNI_CONF_FROM_TEMPLATE))) return;
  await host.run(`rm -f -- ${shq(CNI_CONF_FROM_TEMPLATE)}`);
  await host.run('if systemctl is-active --quiet kubelet; then systemctl restart kubelet; fi');
}

async function waitForKubeletConf(host: Host, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await host.stat(kubeconfigs.kubelet)) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
}
