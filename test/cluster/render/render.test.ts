// Every rendered config file, snapshot-tested, plus the properties that matter for HA.
import { renderCniConfTemplate } from '../../../cluster/render/cni';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateClusterSpec } from '../../../cluster/validate';
import type { Cluster } from '../../../cluster/spec';
import { hostByName } from '../../../cluster/topology';
import { renderEtcdBootstrapEnv, renderEtcdUnit } from '../../../cluster/render/etcd';
import { renderHaproxyConfig } from '../../../cluster/render/haproxy';
import {
  keepalivedPriority,
  renderKeepalivedCheckScript,
  renderKeepalivedConfig,
} from '../../../cluster/render/keepalived';
import {
  renderApiserverUnit,
  renderControllerManagerUnit,
  renderSchedulerUnit,
} from '../../../cluster/render/control-plane';
import {
  renderContainerdConfig,
  renderCrictlConfig,
  renderKubeletConfig,
  renderKubeletUnit,
  renderKubeProxyConfig,
  renderKubeProxyUnit,
  renderRegistryMirrors,
} from '../../../cluster/render/node';
import {
  mergeEtcHosts,
  renderLimitsConf,
  renderModulesLoadConf,
  renderSysctlConf,
  SYSCTLS,
  sysctlSatisfied,
} from '../../../cluster/render/os';
import { expectSnapshot } from '../../helpers/snapshot';
import { SPEC_FIXTURES } from '../../helpers/temp-home';

function fixtureCluster(): Cluster {
  const doc = parse(readFileSync(join(SPEC_FIXTURES, 'valid', 'minimal-3-masters.yaml'), 'utf8')) as {
    spec: Record<string, unknown>;
  };
  doc.spec.registryMirrors = { 'docker.io': ['https://mirror.internal.example'] };
  const r = validateClusterSpec(doc);
  assert.ok(r.cluster, JSON.stringify(r.problems));
  return r.cluster;
}

const c = fixtureCluster();
const m1 = hostByName(c, 'master-1');
const w1 = hostByName(c, 'worker-1');

test('rendered files match their snapshots', () => {
  const rendered: Record<string, string> = {
    'etcd.service': renderEtcdUnit(c, m1),
    'etcd-bootstrap.env': renderEtcdBootstrapEnv(c, { state: 'new' }),
    'haproxy.cfg': renderHaproxyConfig(c),
    'keepalived.conf': renderKeepalivedConfig(c, m1),
    'check-apiserver-lb.sh': renderKeepalivedCheckScript(c),
    'kube-apiserver.service': renderApiserverUnit(c, m1),
    'kube-controller-manager.service': renderControllerManagerUnit(c),
    'kube-scheduler.service': renderSchedulerUnit(c),
    'containerd-config.toml': renderContainerdConfig(c),
    'containerd-config-flannel.toml': renderContainerdConfig({
      ...c,
      spec: { ...c.spec, network: { ...c.spec.network, cni: 'flannel' } },
    }),
    'cni-conf.template': renderCniConfTemplate(),
    'docker.io-hosts.toml': renderRegistryMirrors(c)[0].content,
    'crictl.yaml': renderCrictlConfig(),
    'kubelet-config.yaml': renderKubeletConfig(c),
    'kubelet.service': renderKubeletUnit(c, w1),
    'kube-proxy-config.yaml': renderKubeProxyConfig(c, w1),
    'kube-proxy.service': renderKubeProxyUnit(c, w1),
    'sysctl.conf': renderSysctlConf(),
    'modules-load.conf': renderModulesLoadConf(c),
    'limits.conf': renderLimitsConf(),
  };
  for (const [name, content] of Object.entries(rendered)) expectSnapshot(`render/${name}`, content);
});

test('etcd: every member in the initial cluster, TLS with client-cert auth for clients and peers', () => {
  const env = renderEtcdBootstrapEnv(c, { state: 'new' });
  assert.match(
    env,
    /^ETCD_INITIAL_CLUSTER=master-1=https:\/\/10\.1\.1\.11:2380,master-2=https:\/\/10\.1\.1\.12:2380,master-3=https:\/\/10\.1\.1\.13:2380$/m,
  );
  assert.match(env, /^ETCD_INITIAL_CLUSTER_STATE=new$/m);
  const unit = renderEtcdUnit(c, m1);
  assert.match(unit, /--client-cert-auth=true/);
  assert.match(unit, /--peer-client-cert-auth=true/);
  assert.match(unit, /^EnvironmentFile=-\/etc\/etcd\/hakube-etcd\.env$/m);
  const joining = renderEtcdBootstrapEnv(c, {
    state: 'existing',
    initialCluster: 'master-1=https://10.1.1.11:2380',
  });
  assert.match(joining, /^ETCD_INITIAL_CLUSTER_STATE=existing$/m);
  assert.match(joining, /^ETCD_INITIAL_CLUSTER=master-1=https:\/\/10\.1\.1\.11:2380$/m);
});

test('etcd: the unit does not depend on the membership, so a join or removal never rewrites it', () => {
  const grown = {
    ...c,
    spec: { ...c.spec, hosts: [...c.spec.hosts, { ...m1, name: 'master-9', address: '10.1.1.19' }] },
  };
  assert.equal(renderEtcdUnit(grown, m1), renderEtcdUnit(c, m1));
  assert.doesNotMatch(renderEtcdUnit(c, m1), /initial-cluster/);
});

test('haproxy balances to every apiserver with a /readyz check', () => {
  const cfg = renderHaproxyConfig(c);
  for (const ip of ['10.1.1.11', '10.1.1.12', '10.1.1.13'])
    assert.match(cfg, new RegExp(`server master-\\d ${ip}:6443 check`));
  assert.match(cfg, /bind \*:16443/);
  assert.match(cfg, /GET \/readyz/);
});

test('keepalived: distinct priorities, unicast peers are the other masters, the check can move the VIP', () => {
  const priorities = ['master-1', 'master-2', 'master-3'].map((n) => keepalivedPriority(c, hostByName(c, n)));
  assert.equal(new Set(priorities).size, 3);
  const conf = renderKeepalivedConfig(c, hostByName(c, 'master-2'));
  assert.match(conf, /unicast_peer \{\n\s+10\.1\.1\.11\n\s+10\.1\.1\.13\n\s+\}/);
  assert.match(conf, /10\.1\.1\.10\/24 dev eth0/);
  // A failing check (weight -60) drops the best priority below the worst healthy one.
  assert.ok(Math.max(...priorities) - 60 < Math.min(...priorities));
});

test('keepalived on a lone control-plane host: no unicast block (keepalived refuses one without peers)', () => {
  const lone: Cluster = {
    ...c,
    spec: { ...c.spec, hosts: c.spec.hosts.filter((h) => h.name === 'master-1' || h.name === 'worker-1') },
  };
  const conf = renderKeepalivedConfig(lone, m1);
  assert.doesNotMatch(conf, /unicast/);
  assert.match(conf, /virtual_ipaddress/);
});

test('apiserver talks to every etcd member with its client cert', () => {
  const unit = renderApiserverUnit(c, m1);
  assert.match(
    unit,
    /--etcd-servers=https:\/\/10\.1\.1\.11:2379,https:\/\/10\.1\.1\.12:2379,https:\/\/10\.1\.1\.13:2379/,
  );
  assert.match(unit, /--advertise-address=10\.1\.1\.11/);
  assert.match(unit, /--service-cluster-ip-range=10\.96\.0\.0\/16/);
});

test('kubelet rotates certificates and uses the cluster DNS', () => {
  const cfg = parse(renderKubeletConfig(c)) as {
    rotateCertificates: boolean;
    serverTLSBootstrap: boolean;
    clusterDNS: string[];
  };
  assert.equal(cfg.rotateCertificates, true);
  assert.equal(cfg.serverTLSBootstrap, true);
  assert.deepEqual(cfg.clusterDNS, ['10.96.0.10']);
});

test('kubelet follows the host cgroups: v1 allowed explicitly, read-only controllers without QoS cgroups', () => {
  type Cfg = { failCgroupV1?: boolean; cgroupsPerQOS?: boolean; enforceNodeAllocatable?: string[] };
  const v2 = parse(renderKubeletConfig(c)) as Cfg;
  const v1 = parse(renderKubeletConfig(c, { version: 1, controllersWritable: true })) as Cfg;
  const lab = parse(renderKubeletConfig(c, { version: 1, controllersWritable: false })) as Cfg;
  assert.deepEqual(
    [v2.failCgroupV1, v2.cgroupsPerQOS, v2.enforceNodeAllocatable],
    [undefined, undefined, undefined],
  );
  assert.deepEqual([v1.failCgroupV1, v1.cgroupsPerQOS], [false, undefined]);
  assert.deepEqual([lab.failCgroupV1, lab.cgroupsPerQOS, lab.enforceNodeAllocatable], [false, false, []]);
});

test('/etc/hosts: hakube block replaced in place, other lines kept, idempotent', () => {
  const original = '127.0.0.1 localhost\n10.0.0.5 nas\n';
  const once = mergeEtcHosts(original, c);
  assert.ok(once.startsWith(original));
  assert.match(once, /10\.1\.1\.12 master-2/);
  assert.equal(mergeEtcHosts(once, c), once);
  assert.match(mergeEtcHosts('', c), /^127\.0\.0\.1 localhost/);
});

test('sysctl limits a host already exceeds are kept, never lowered; exact settings are set', () => {
  const conf = renderSysctlConf(
    new Map([
      ['fs.file-max', 9_000_000],
      ['net.core.somaxconn', 128],
      ['vm.swappiness', 60],
    ]),
  );
  assert.match(conf, /^fs\.file-max = 9000000$/m);
  assert.match(conf, /^net\.core\.somaxconn = 32768$/m);
  assert.match(conf, /^vm\.swappiness = 0$/m);
  const fileMax = SYSCTLS.find((x) => x.key === 'fs.file-max');
  const swappiness = SYSCTLS.find((x) => x.key === 'vm.swappiness');
  assert.ok(fileMax && swappiness);
  assert.ok(sysctlSatisfied(fileMax, 2_466_177));
  assert.ok(!sysctlSatisfied(fileMax, 1_000));
  assert.ok(!sysctlSatisfied(swappiness, 1));
});

test('kubelet: the node-local DNS address goes on the loopback before kubelet starts; anything else is refused', () => {
  const withCache = {
    ...c,
    spec: { ...c.spec, network: { ...c.spec.network, nodeLocalDNS: '169.254.20.10' } },
  };
  assert.match(
    renderKubeletUnit(withCache, w1),
    /^ExecStartPre=\/usr\/sbin\/ip address replace 169\.254\.20\.10\/32 dev lo$/m,
  );
  assert.doesNotMatch(renderKubeletUnit(c, w1), /ExecStartPre/);
  const injected = {
    ...c,
    spec: { ...c.spec, network: { ...c.spec.network, nodeLocalDNS: '169.254.20.10\nExecStartPre=/bin/sh' } },
  };
  assert.throws(() => renderKubeletUnit(injected, w1), /is not an IPv4 address/);
});

test('containerd writes the CNI config from the template only for flannel', () => {
  const flannel = { ...c, spec: { ...c.spec, network: { ...c.spec.network, cni: 'flannel' as const } } };
  assert.match(renderContainerdConfig(flannel), /conf_template = "\/etc\/containerd\/cni-conf\.template"/);
  assert.doesNotMatch(renderContainerdConfig(c), /conf_template/);
  // The template is JSON once containerd fills the ranges in.
  const filled = renderCniConfTemplate().replace(
    /\[\{\{range[^\]]*\]\{\{end\}\}\]/,
    '[[{"subnet": "10.244.1.0/24"}]]',
  );
  const conf = JSON.parse(filled) as { plugins: { type: string; ipam?: { ranges: unknown } }[] };
  assert.deepEqual(
    conf.plugins.map((p) => p.type),
    ['bridge', 'portmap'],
  );
  assert.deepEqual(conf.plugins[0].ipam?.ranges, [[{ subnet: '10.244.1.0/24' }]]);
});
