// Rendering with every configuration hook set (test/fixtures/specs/hooks/every-hook.yaml),
// snapshot-tested beside the default rendering (whose snapshots the hooks leave unchanged).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { hostByName } from '../../../cluster/topology';
import {
  renderApiserverUnit,
  renderControllerManagerUnit,
  renderSchedulerUnit,
} from '../../../cluster/render/control-plane';
import { renderEtcdUnit } from '../../../cluster/render/etcd';
import {
  renderContainerdUnit,
  renderKubeletConfig,
  renderKubeletUnit,
  renderKubeProxyConfig,
  renderKubeProxyUnit,
} from '../../../cluster/render/node';
import { admissionConfigFile, auditPolicyFile } from '../../../cluster/render/user-documents';
import { renderAuditPolicy } from '../../../cluster/render/audit-policy';
import { noProxyEntries } from '../../../cluster/render/proxy-env';
import { apiserverSans } from '../../../cluster/pki/profiles';
import { pkiInputFromCluster } from '../../../cluster/pki/input';
import { expectSnapshot } from '../../helpers/snapshot';
import { clusterWith, everyHookCluster } from '../../helpers/hooks-spec';

const c = everyHookCluster();
const m1 = hostByName(c, 'master-1');
const w1 = hostByName(c, 'worker-1');

test('rendered files with every hook match their snapshots', () => {
  const rendered: Record<string, string> = {
    'kube-apiserver.service': renderApiserverUnit(c, m1),
    'kube-controller-manager.service': renderControllerManagerUnit(c),
    'kube-scheduler.service': renderSchedulerUnit(c),
    'kubelet.service': renderKubeletUnit(c, w1),
    'kubelet-config.yaml': renderKubeletConfig(c),
    'kube-proxy.service': renderKubeProxyUnit(c, w1),
    'kube-proxy-config.yaml': renderKubeProxyConfig(c, w1),
    'etcd.service': renderEtcdUnit(c, m1),
    'containerd.service': renderContainerdUnit(c),
    'audit-policy.yaml': auditPolicyFile(c),
    'admission-config.yaml': admissionConfigFile(c) ?? '',
  };
  for (const [name, content] of Object.entries(rendered)) expectSnapshot(`render/hooks/${name}`, content);
});

test('apiserver: the user flags follow hakube’s, sorted, quoted where systemd needs it', () => {
  const unit = renderApiserverUnit(c, m1);
  assert.match(unit, /--admission-control-config-file=\/etc\/kubernetes\/admission-config\.yaml \\/);
  const tail = unit.slice(unit.indexOf('  --feature-gates='));
  assert.deepEqual(
    [...tail.matchAll(/^ {2}"?--([a-z-]+)=/gm)].map((m) => m[1]),
    [
      'feature-gates',
      'default-not-ready-toleration-seconds',
      'oidc-issuer-url',
      'oidc-username-claim',
      'oidc-username-prefix',
    ],
  );
  // "oidc: %u $user \"q\" \\" as systemd must read it back.
  assert.match(unit, /^ {2}"--oidc-username-prefix=oidc: %%u \$\$user \\"q\\" \\\\"$/m);
});

test('a spec without hooks renders the same units as before (no Environment=, no extra lines)', () => {
  const plain = clusterWith({});
  assert.doesNotMatch(renderContainerdUnit(plain), /Environment=/);
  assert.equal(auditPolicyFile(plain), renderAuditPolicy());
  assert.equal(admissionConfigFile(plain), undefined);
  assert.doesNotMatch(renderApiserverUnit(plain, m1), /admission-control-config-file|feature-gates/);
});

test('containerd goes through the proxy; NO_PROXY always has the cluster’s own networks and names', () => {
  const unit = renderContainerdUnit(c);
  assert.match(unit, /^Environment=HTTP_PROXY=http:\/\/proxy\.corp\.example:3128$/m);
  assert.match(unit, /^Environment=HTTPS_PROXY=http:\/\/proxy\.corp\.example:3128$/m);
  const entries = noProxyEntries(c);
  for (const own of [
    'localhost',
    '127.0.0.1',
    '172.20.0.0/16',
    '10.96.0.0/16',
    '10.1.1.11',
    '10.1.1.21',
    'master-1',
    'worker-1',
    '10.1.1.10',
    '.svc',
    '.cluster.local',
  ])
    assert.ok(entries.includes(own), `${own} not in NO_PROXY ${entries.join(',')}`);
  for (const user of ['.corp.example', '192.168.0.0/16', 'registry.corp.example'])
    assert.ok(entries.includes(user));
  assert.equal(new Set(entries).size, entries.length);
  assert.match(
    unit,
    new RegExp(`^Environment=NO_PROXY=${entries.join(',').replace(/[.*/]/g, '\\$&')}$`, 'm'),
  );
  // The user's cluster domain, not a fixed one; only https set: no HTTP_PROXY line.
  const other = clusterWith({
    network: {
      podCIDR: '172.20.0.0/16',
      serviceCIDR: '10.96.0.0/16',
      clusterDNS: '10.96.0.10',
      clusterDomain: 'k8s.internal',
    },
    proxy: { https: 'https://proxy:3129' },
  });
  assert.ok(noProxyEntries(other).includes('.k8s.internal'));
  assert.doesNotMatch(renderContainerdUnit(other), /HTTP_PROXY=/);
});

test('extra SANs reach the apiserver certificate: names as DNS names, addresses as IPs', () => {
  const sans = apiserverSans(pkiInputFromCluster(c));
  assert.ok(sans.dnsNames.includes('api.corp.example'));
  assert.ok(sans.ipAddresses.includes('203.0.113.10'));
  assert.ok(!sans.dnsNames.includes('203.0.113.10'));
  const plain = pkiInputFromCluster(clusterWith({}));
  assert.equal('extraSans' in plain, false);
});

test('kube-proxy: its config merged, feature gates in its configuration file, the user flags after --config', () => {
  const cfg = parse(renderKubeProxyConfig(c, w1)) as Record<string, unknown>;
  assert.deepEqual(cfg.featureGates, { InPlacePodVerticalScaling: true, SidecarContainers: true });
  assert.equal(cfg.metricsBindAddress, '0.0.0.0:10249');
  assert.deepEqual(cfg.ipvs, { scheduler: 'lc', strictARP: true });
  assert.equal(cfg.mode, 'ipvs');
  assert.match(
    renderKubeProxyUnit(c, w1),
    /--config=\/etc\/kubernetes\/kube-proxy-config\.yaml \\\n {2}--v=2\n/,
  );
});
