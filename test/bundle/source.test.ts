// The default bundle (Kubernetes, kubectl, etcd, crictl built from source with the local Go
// toolchain via the Go module proxy; containerd, runc, CNI from Debian), in the shared
// hakube cache: cold on a fresh machine (tens of minutes on 2 cores, see docs/bundle.md),
// a cache hit afterwards. HAKUBE_SKIP_SOURCE_BUNDLE=1 skips it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBundle } from '../../activities/bundle';
import { hakubeCache } from '../../client/paths';
import { COMPONENT_VERSIONS, DEFAULT_BUNDLE_KUBERNETES_VERSION } from '../../cluster/bundle';

/** Whether a 64-bit ELF asks for a dynamic loader (a PT_INTERP program header). */
function hasInterpreter(path: string): boolean {
  const elf = readFileSync(path);
  assert.equal(elf.toString('latin1', 1, 4), 'ELF', path);
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (elf.readUInt32LE(phoff + i * phentsize) === 3) return true;
  return false;
}

const skip = process.env.HAKUBE_SKIP_SOURCE_BUNDLE === '1';

function output(bin: string, args: string[]): string {
  return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test(
  'source bundle: real binaries that report the chosen versions',
  { skip, timeout: 85 * 60_000 },
  async (t) => {
    const build = () =>
      buildBundle({
        cacheDir: hakubeCache(),
        goParallelism: Number(process.env.HAKUBE_GO_JOBS ?? 2),
        goLowPriority: true,
        onProgress: (line) => {
          if (!line.includes(': go: downloading ')) process.stderr.write(`[bundle] ${line}\n`);
        },
      });
    const first = await build();
    t.diagnostic(
      `first build: ${first.cached ? 'cache hit' : 'built'} in ${first.seconds} s -> ${first.dir}`,
    );
    t.diagnostic(`${first.report.files} files, ${(first.report.totalBytes / 1048576).toFixed(1)} MiB`);

    const k8s = DEFAULT_BUNDLE_KUBERNETES_VERSION;
    assert.equal(first.manifest.kubernetesVersion, k8s);
    assert.match(first.manifest.goVersion ?? '', /^go1\.\d+/);
    const bin = (name: string) => join(first.dir, 'bin', name);
    assert.equal(output(bin('kube-apiserver'), ['--version']).trim(), `Kubernetes ${k8s}`);
    for (const b of ['kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'])
      assert.equal(output(bin(b), ['--version']).trim(), `Kubernetes ${k8s}`, b);
    assert.match(output(bin('kubectl'), ['version', '--client']), new RegExp(`Client Version: ${k8s}`));
    const etcd = COMPONENT_VERSIONS.etcd.slice(1);
    assert.match(output(bin('etcd'), ['--version']), new RegExp(`etcd Version: ${etcd}`));
    assert.match(output(bin('etcdctl'), ['version']), new RegExp(`etcdctl version: ${etcd}`));
    assert.match(output(bin('etcdutl'), ['version']), new RegExp(`etcdutl version: ${etcd}`));
    assert.match(
      output(bin('crictl'), ['--version']),
      new RegExp(`crictl version ${COMPONENT_VERSIONS.crictl}`),
    );
    // Static binaries: they run in any lab machine regardless of its libc.
    for (const b of ['kubelet', 'kube-apiserver', 'etcd', 'crictl'])
      assert.equal(hasInterpreter(bin(b)), false, b);

    const second = await build();
    assert.equal(second.cached, true);
    assert.equal(second.dir, first.dir);
    t.diagnostic(`second build: cache hit in ${second.seconds} s`);
    assert.ok(second.seconds < 60, `cache hit took ${second.seconds} s`);
  },
);
