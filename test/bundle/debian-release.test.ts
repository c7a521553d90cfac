// Real end-to-end bundle build without Go: Debian packages (apt-get download + dpkg-deb)
// for etcd, kubectl, containerd, runc and CNI; Kubernetes server binaries and crictl via
// the `release` path from a local fake mirror. Then cache hits, --out, and verification
// catching a flipped byte and a missing file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { BundleVerifyError, buildBundle, verifyBundle } from '../../activities/bundle';
import { registerBundleCommands } from '../../client/commands/bundle';
import { COMPONENTS } from '../../cluster/bundle';
import { fakeBinary, sha256Hex, startFakeMirror } from './fake-mirror';

const K8S = 'v1.37.2';
const CRICTL = 'v1.36.0';
const FROM = 'kubernetes=release,crictl=release,kubectl=debian,etcd=debian';

function mirrorFiles(scratch: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const base = `/dl.k8s.io/release/${K8S}/bin/linux/amd64`;
  for (const b of COMPONENTS.kubernetes.binaries) {
    const body = fakeBinary(b, K8S);
    files.set(`${base}/${b}`, body);
    files.set(`${base}/${b}.sha256`, Buffer.from(sha256Hex(body)));
  }
  mkdirSync(join(scratch, 'crictl'), { recursive: true });
  writeFileSync(join(scratch, 'crictl', 'crictl'), fakeBinary('crictl', CRICTL), { mode: 0o755 });
  const tgz = join(scratch, 'crictl.tar.gz');
  execFileSync('tar', ['-czf', tgz, '-C', join(scratch, 'crictl'), 'crictl']);
  const name = `crictl-${CRICTL}-linux-amd64.tar.gz`;
  const body = readFileSync(tgz);
  const dir = `/github.com/kubernetes-sigs/cri-tools/releases/download/${CRICTL}`;
  files.set(`${dir}/${name}`, body);
  files.set(`${dir}/${name}.sha256`, Buffer.from(`${sha256Hex(body)}  ${name}\n`));
  return files;
}

function flipByte(path: string, at: number): void {
  const buf = readFileSync(path);
  buf[at] ^= 0xff;
  writeFileSync(path, buf);
}

test(
  'debian + release bundle: build, cache hit, --out, verify refuses tampering',
  { timeout: 600_000 },
  async (t) => {
    const scratch = mkdtempSync(join(tmpdir(), 'hakube-bundle-'));
    const cacheDir = join(scratch, 'cache');
    const mirror = await startFakeMirror(mirrorFiles(scratch));
    t.after(async () => {
      await mirror.close();
      rmSync(scratch, { recursive: true, force: true });
    });
    const progress: string[] = [];
    const build = (out?: string) =>
      buildBundle({
        from: FROM,
        kubernetesVersion: K8S,
        mirror: mirror.url,
        cacheDir,
        out,
        onProgress: (l) => progress.push(l),
      });

    const first = await build();
    assert.equal(first.cached, false);
    assert.ok(first.dir.startsWith(join(cacheDir, 'bundles', `${K8S}-amd64-nogo-`)), first.dir);
    const bySource = Object.fromEntries(first.manifest.components.map((c) => [c.name, c]));
    assert.deepEqual(Object.fromEntries(first.manifest.components.map((c) => [c.name, c.source])), {
      kubernetes: 'release',
      kubectl: 'debian',
      etcd: 'debian',
      containerd: 'debian',
      runc: 'debian',
      crictl: 'release',
      cni: 'debian',
    });
    assert.match(bySource.etcd.origin, /^etcd-server=3\.4\.\S+,etcd-client=3\.4\./);
    assert.equal(bySource.kubernetes.origin, `${mirror.url}/dl.k8s.io/release/${K8S}/bin/linux/amd64/`);
    assert.ok(bySource.cni.files.some((f) => f.path === 'cni/bin/bridge'));
    assert.equal(first.manifest.goVersion, undefined);
    assert.ok(
      first.notes.some((n) => /^etcd 3\.4\.\S+ is below v3\.5\.24/.test(n)),
      first.notes.join('\n'),
    );

    // The Debian binaries are the real ones; the release ones are the fakes, checksum-verified.
    const etcdVersion = execFileSync(join(first.dir, 'bin/etcd'), ['--version']).toString();
    assert.match(etcdVersion, /etcd Version: 3\.4\./);
    assert.match(execFileSync(join(first.dir, 'bin/runc'), ['--version']).toString(), /runc version/);
    assert.match(execFileSync(join(first.dir, 'bin/kube-apiserver')).toString(), /kube-apiserver v1\.37\.2/);
    assert.match(execFileSync(join(first.dir, 'bin/crictl')).toString(), /crictl v1\.36\.0/);
    const report = await verifyBundle(first.dir);
    assert.equal(
      report.files,
      first.manifest.components.reduce((n, c) => n + c.files.length, 0),
    );

    const second = await build();
    assert.equal(second.cached, true);
    assert.equal(second.dir, first.dir);
    assert.ok(second.seconds < 10, `cache hit took ${second.seconds} s`);

    const out = join(scratch, 'out');
    const copied = await build(out);
    assert.equal(copied.dir, out);
    assert.equal((await verifyBundle(out)).files, report.files);
    assert.equal((await build(out)).dir, out); // same bundle already there: fine

    await t.test('a flipped byte is refused, naming the file', async () => {
      flipByte(join(out, 'bin/etcdctl'), 1000);
      await assert.rejects(
        verifyBundle(out),
        (e: Error) => e instanceof BundleVerifyError && e.file === 'bin/etcdctl' && /sha256/.test(e.message),
      );
    });

    await t.test('a missing file is refused, naming the file', async () => {
      flipByte(join(out, 'bin/etcdctl'), 1000); // undo the flip above
      rmSync(join(out, 'bin/runc'));
      await assert.rejects(
        verifyBundle(out),
        (e: Error) => e instanceof BundleVerifyError && e.file === 'bin/runc' && /missing/.test(e.message),
      );
    });

    await t.test('the CLI verify command throws an error named BundleVerifyError', async () => {
      const program = new Command().exitOverride();
      registerBundleCommands(program);
      await assert.rejects(program.parseAsync(['node', 'hakube', 'bundle', 'verify', out]), {
        name: 'BundleVerifyError',
      });
    });

    await t.test('another bundle in --out is not overwritten', async () => {
      const other = join(scratch, 'other');
      mkdirSync(other);
      writeFileSync(join(other, 'manifest.json'), '{}');
      await assert.rejects(build(other), /exists and is not this bundle/);
    });

    await t.test('a tampered cache entry is moved aside and rebuilt', async () => {
      flipByte(join(first.dir, 'bin/containerd'), 4096);
      const rebuilt = await build();
      assert.equal(rebuilt.cached, false);
      assert.equal(rebuilt.dir, first.dir);
      await verifyBundle(rebuilt.dir);
      assert.ok(readdirSync(join(cacheDir, 'bundles')).some((d) => d.includes('.broken-')));
      assert.ok(existsSync(join(cacheDir, 'debian')));
    });

    await t.test('a bad checksum on the mirror fails the build, and nothing is published', async () => {
      const path = `/dl.k8s.io/release/${K8S}/bin/linux/amd64/kubelet`;
      mirror.files.set(path, Buffer.from('#!/bin/sh\necho tampered\n'));
      const freshCache = join(scratch, 'cache2');
      await assert.rejects(
        buildBundle({ from: FROM, kubernetesVersion: K8S, mirror: mirror.url, cacheDir: freshCache }),
        (e: Error) => e.name === 'ChecksumMismatchError' && e.message.includes('kubelet'),
      );
      assert.deepEqual(readdirSync(join(freshCache, 'bundles')), []);
    });
  },
);
