// ensureBinaries: the binaries a host's roles need, pushed from a verified offline bundle on
// the worker's machine over SFTP. Each upload is skipped when the host already has the same
// bytes; progress is heartbeated so a long upload is visibly alive.
import { posix } from 'node:path';
import { reportProgress } from '../liveness';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from '../../cluster/errors';
import { BIN_DIR, CNI_BIN_DIR } from '../../cluster/layout';
import { filesForRoles, imagesForRoles, type BundleFile, type BundleManifest } from '../../cluster/bundle';
import type { Cluster, Role } from '../../cluster/spec';
import { imageArchiveOnHost } from '../node/bundle-images';
import { readManifest } from '../bundle';
import { BundleVerifyError } from '../bundle/errors';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { NO_METRICS, type ActivityMetrics } from '../metrics';
import { cachedBundleVerifier, type BundleVerifier } from './bundle-verification-cache';
import type { Host } from '../ssh';
import { shq } from '../ssh/shell';
import { binaryVersionsScript, parseHostProbe } from '../../cluster/upgrade/probe';

export interface EnsureBinariesInput extends HostInput {
  /** Absolute path of the bundle folder on the worker's machine. */
  bundleDir: string;
  /**
   * Replace binaries of another Kubernetes version (only an upgrade, which restarts what runs them
   * behind its gates). Without it a host running another version is refused: an install or a join
   * would otherwise put other binaries under running services, taking effect at their next restart.
   */
  changeVersion?: boolean;
}

export interface EnsureBinariesResult {
  uploaded: string[];
  unchanged: number;
  bytesTransferred: number;
  kubernetesVersion: string;
}

/** Where a bundle file goes on the host: CNI plugins to /opt/cni/bin, everything else to /usr/local/bin. */
export function hostPathOf(bundlePath: string): string {
  return bundlePath.startsWith('cni/')
    ? `${CNI_BIN_DIR}/${posix.basename(bundlePath)}`
    : `${BIN_DIR}/${posix.basename(bundlePath)}`;
}

export interface BundleSummary {
  bundleDir: string;
  kubernetesVersion: string;
  components: { name: string; version: string; source: string }[];
  images: number;
}

interface Upload {
  file: BundleFile;
  target: string;
  mode: number;
}

/**
 * What the host receives: its roles' binaries, and with spec.images.source bundle the image
 * archives its roles run (imported into containerd by ensureContainerd). A bundle built before
 * images existed cannot serve such a spec: refused before anything is uploaded.
 */
function uploadsFor(
  cluster: Cluster,
  roles: readonly Role[],
  manifest: BundleManifest,
  bundleDir: string,
): Upload[] {
  const binaries = filesForRoles(manifest, roles).map(({ file }) => ({
    file,
    target: hostPathOf(file.path),
    mode: 0o755,
  }));
  // Operations started before images existed carry a spec without `images`.
  if (cluster.spec.images?.source !== 'bundle') return binaries;
  if (!manifest.images?.length)
    throw ApplicationFailure.create({
      type: ErrorTypes.BundleInvalid,
      message: `bundle ${bundleDir} has no container images (built by an older hakube); rebuild it with \`hakube bundle build\``,
      nonRetryable: true,
    });
  const images = imagesForRoles(manifest, roles).map(({ file }) => ({
    file,
    target: imageArchiveOnHost(file.path),
    mode: 0o644,
  }));
  return [...binaries, ...images];
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/**
 * The failure for an upload that found no room. SFTP reports a full disk only as "Failure", so
 * the free space of the target's file system is read after the upload failed; a retry succeeds
 * once space is freed, so this is retryable. Undefined when space was not the problem.
 */
async function noSpaceFailure(
  host: Host,
  target: string,
  size: number,
  err: unknown,
): Promise<ApplicationFailure | undefined> {
  const dir = posix.dirname(target);
  const df = await host.exec(`df -Pk ${shq(dir)} | tail -n 1`).catch(() => undefined);
  const freeBytes = Number(df?.stdout.trim().split(/\s+/)[3]) * 1024;
  const said = /no space left|ENOSPC|quota exceeded/i.test(err instanceof Error ? err.message : String(err));
  if (!said && !(freeBytes < size)) return undefined;
  return ApplicationFailure.create({
    type: ErrorTypes.DiskFull,
    message: `${host.name}: no space left for ${target} (${mib(size)} MiB needed, ${
      Number.isFinite(freeBytes) ? `${mib(freeBytes)} MiB` : 'unknown'
    } free in ${dir}); free space there and the step retries`,
  });
}

/** The Kubernetes version a host's kubelet (or apiserver) binary reports; undefined when it has none. */
async function installedKubernetesVersion(host: Host): Promise<string | undefined> {
  const r = await host.exec(binaryVersionsScript(['kubelet', 'kube-apiserver']));
  // Host output, parsed like user input (cluster/upgrade/probe.ts): one that is no version counts as none.
  try {
    const { versions } = parseHostProbe(host.name, r.stdout);
    return versions.kubelet ?? versions['kube-apiserver'];
  } catch {
    return undefined;
  }
}

async function refuseOtherVersion(host: Host, bundleVersion: string): Promise<void> {
  const installed = await installedKubernetesVersion(host);
  if (installed === undefined || installed === bundleVersion) return;
  throw ApplicationFailure.create({
    type: ErrorTypes.VersionMismatch,
    message:
      `${host.name} runs Kubernetes ${installed} and the bundle carries ${bundleVersion}: install and node add never ` +
      `change a host's version. To change it, \`hakube upgrade -f FILE --to ${bundleVersion}\`; to keep it, point ` +
      `spec.artifacts.bundleDir at a bundle of ${installed} (and spec.kubernetesVersion at ${installed})`,
    nonRetryable: true,
  });
}

export interface ArtifactDeps {
  hosts: HostProvider;
  metrics?: ActivityMetrics;
  /** One per worker (createActivities is called once per worker): see bundle-verification-cache.ts. */
  bundleVerifier?: BundleVerifier;
}

export function createArtifactActivities(deps: ArtifactDeps) {
  const metrics = deps.metrics ?? NO_METRICS;
  const verifier = deps.bundleVerifier ?? cachedBundleVerifier();
  /** Verified (cached per worker) or refused as BundleInvalid, non-retryably. */
  async function verified(bundleDir: string): Promise<void> {
    try {
      metrics.bundleVerified(await verifier.verify(bundleDir));
    } catch (err) {
      if (err instanceof BundleVerifyError) {
        metrics.bundleVerified('refused');
        throw ApplicationFailure.create({
          type: ErrorTypes.BundleInvalid,
          message: `bundle ${bundleDir}: ${err.message}`,
          nonRetryable: true,
        });
      }
      throw err;
    }
  }
  return {
    /** A bundle on the worker's machine, verified: its Kubernetes version and components (an upgrade's target). */
    async inspectBundle(input: { bundleDir: string }): Promise<BundleSummary> {
      await verified(input.bundleDir);
      const manifest = await readManifest(input.bundleDir);
      return {
        bundleDir: input.bundleDir,
        kubernetesVersion: manifest.kubernetesVersion,
        components: manifest.components.map((c) => ({ name: c.name, version: c.version, source: c.source })),
        images: (manifest.images ?? []).length,
      };
    },

    async ensureBinaries(input: EnsureBinariesInput): Promise<EnsureBinariesResult> {
      const { spec, host } = resolveHost(deps.hosts, input);
      await verified(input.bundleDir);
      const manifest = await readManifest(input.bundleDir);
      if (!input.changeVersion) await refuseOtherVersion(host, manifest.kubernetesVersion);
      const files = uploadsFor(input.cluster, spec.roles, manifest, input.bundleDir);
      for (const dir of new Set(files.map((f) => posix.dirname(f.target))))
        await host.ensureDir(dir, { mode: 0o755 });
      const result: EnsureBinariesResult = {
        uploaded: [],
        unchanged: 0,
        bytesTransferred: 0,
        kubernetesVersion: manifest.kubernetesVersion,
      };
      for (const [i, { file, target, mode }] of files.entries()) {
        reportProgress({
          step: `artifacts/binaries/${input.host}`,
          file: file.path,
          done: i,
          of: files.length,
        });
        const r = await host
          .ensureFile(
            target,
            // Verified against the manifest above: its digest stands for the local file.
            { localPath: posix.join(input.bundleDir, file.path), sha256: file.sha256 },
            { mode },
          )
          .catch(async (err: unknown) => {
            throw (await noSpaceFailure(host, target, file.size, err)) ?? err;
          });
        if (r.sha256 !== file.sha256) {
          throw ApplicationFailure.create({
            type: ErrorTypes.BundleInvalid,
            message: `${file.path} changed while it was uploaded`,
            nonRetryable: true,
          });
        }
        if (r.changed) result.uploaded.push(target);
        else result.unchanged++;
        result.bytesTransferred += r.bytesTransferred;
      }
      return result;
    },
  };
}
