import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubernetesBinaryUrl, mirrored, releaseArtifacts } from '../../../cluster/bundle';

test('Kubernetes binaries come from dl.k8s.io with a .sha256 next to each', () => {
  assert.equal(
    kubernetesBinaryUrl('v1.37.2', 'amd64', 'kube-apiserver'),
    'https://dl.k8s.io/release/v1.37.2/bin/linux/amd64/kube-apiserver',
  );
  const arts = releaseArtifacts('kubernetes', 'v1.37.2', 'arm64');
  assert.deepEqual(
    arts.map((a) => a.url.split('/').pop()),
    ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'],
  );
  for (const a of arts) {
    assert.equal(a.checksumUrl, `${a.url}.sha256`);
    assert.match(a.url, /^https:\/\/dl\.k8s\.io\/release\/v1\.37\.2\/bin\/linux\/arm64\//);
    assert.equal(a.kind, 'binary');
  }
  assert.equal(
    releaseArtifacts('kubectl', '1.37.2', 'amd64')[0].url,
    'https://dl.k8s.io/release/v1.37.2/bin/linux/amd64/kubectl',
  );
});

test('etcd, containerd, runc, crictl and CNI release URL patterns', () => {
  const [etcd] = releaseArtifacts('etcd', 'v3.7.3', 'amd64');
  assert.equal(
    etcd.url,
    'https://github.com/etcd-io/etcd/releases/download/v3.7.3/etcd-v3.7.3-linux-amd64.tar.gz',
  );
  assert.equal(etcd.checksumUrl, 'https://github.com/etcd-io/etcd/releases/download/v3.7.3/SHA256SUMS');
  assert.equal(etcd.checksumName, 'etcd-v3.7.3-linux-amd64.tar.gz');
  assert.equal(etcd.members.etcdctl, 'etcd-v3.7.3-linux-amd64/etcdctl');

  const [containerd] = releaseArtifacts('containerd', 'v2.4.2', 'amd64');
  assert.equal(
    containerd.url,
    'https://github.com/containerd/containerd/releases/download/v2.4.2/containerd-2.4.2-linux-amd64.tar.gz',
  );
  assert.equal(containerd.checksumUrl, `${containerd.url}.sha256sum`);
  assert.equal(containerd.members['containerd-shim-runc-v2'], 'bin/containerd-shim-runc-v2');

  const [runc] = releaseArtifacts('runc', 'v1.5.2', 'arm64');
  assert.equal(runc.url, 'https://github.com/opencontainers/runc/releases/download/v1.5.2/runc.arm64');
  assert.equal(
    runc.checksumUrl,
    'https://github.com/opencontainers/runc/releases/download/v1.5.2/runc.sha256sum',
  );
  assert.equal(runc.checksumName, 'runc.arm64');

  const [crictl] = releaseArtifacts('crictl', 'v1.36.0', 'amd64');
  assert.equal(
    crictl.url,
    'https://github.com/kubernetes-sigs/cri-tools/releases/download/v1.36.0/crictl-v1.36.0-linux-amd64.tar.gz',
  );
  assert.equal(crictl.checksumUrl, `${crictl.url}.sha256`);

  const [cni] = releaseArtifacts('cni', 'v1.9.1', 'amd64');
  assert.equal(
    cni.url,
    'https://github.com/containernetworking/plugins/releases/download/v1.9.1/cni-plugins-linux-amd64-v1.9.1.tgz',
  );
  assert.equal(cni.extractAllUnder, '.');
});

test('a mirror keeps the upstream host as the first path segment', () => {
  assert.equal(
    mirrored('https://dl.k8s.io/release/v1.37.2/bin/linux/amd64/kubelet', 'http://10.0.0.5:8080/mirror/'),
    'http://10.0.0.5:8080/mirror/dl.k8s.io/release/v1.37.2/bin/linux/amd64/kubelet',
  );
  assert.equal(mirrored('https://dl.k8s.io/x', undefined), 'https://dl.k8s.io/x');
  const [etcd] = releaseArtifacts('etcd', 'v3.7.3', 'amd64', 'https://m.example');
  assert.equal(
    etcd.checksumUrl,
    'https://m.example/github.com/etcd-io/etcd/releases/download/v3.7.3/SHA256SUMS',
  );
});
