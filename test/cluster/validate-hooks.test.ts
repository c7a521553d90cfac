// Validation of the configuration hooks (cluster/validate-hooks.ts, cluster/spec-hooks.ts): what
// hakube sets cannot be overridden, and the error names both the user's field and hakube's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { COMPONENTS } from '../../cluster/render/hooks';
import { managedFlags } from '../../cluster/render/managed-flags';
import {
  renderApiserverUnit,
  renderControllerManagerUnit,
  renderSchedulerUnit,
} from '../../cluster/render/control-plane';
import { renderEtcdUnit } from '../../cluster/render/etcd';
import { renderKubeletConfig, renderKubeletUnit, renderKubeProxyUnit } from '../../cluster/render/node';
import { hostByName } from '../../cluster/topology';
import type { Cluster } from '../../cluster/spec';
import { clusterWith, errorsOf, everyHookCluster, validateWith } from '../helpers/hooks-spec';

const hasError = (errors: string[], path: string, ...words: string[]) =>
  assert.ok(
    errors.some((e) => e.startsWith(`${path}: `) && words.every((w) => e.includes(w))),
    `no error at ${path} with ${words.join(', ')} in\n${errors.join('\n')}`,
  );

test('the every-hook fixture is valid', () => {
  everyHookCluster();
});

test('a flag hakube sets is refused in extraArgs, naming the key and what controls it', () => {
  const errors = errorsOf(
    validateWith({
      components: {
        apiserver: {
          extraArgs: { 'etcd-servers': 'https://10.9.9.9:2379', 'audit-policy-file': '/tmp/p.yaml' },
        },
        controllerManager: { extraArgs: { 'cluster-cidr': '10.0.0.0/8' } },
        scheduler: { extraArgs: { kubeconfig: '/root/.kube/config' } },
        kubelet: { extraArgs: { 'cluster-dns': '1.1.1.1', 'hostname-override': 'x' } },
        kubeProxy: { extraArgs: { 'proxy-mode': 'iptables' } },
        etcd: { extraArgs: { 'data-dir': '/data', 'initial-cluster-token': 't' } },
      },
    }),
  );
  hasError(
    errors,
    'spec.components.apiserver.extraArgs.etcd-servers',
    'hakube sets --etcd-servers',
    'from the etcd hosts',
    'cannot be overridden',
  );
  hasError(
    errors,
    'spec.components.apiserver.extraArgs.audit-policy-file',
    'spec.components.apiserver.auditPolicy',
  );
  hasError(errors, 'spec.components.controllerManager.extraArgs.cluster-cidr', 'spec.network.podCIDR');
  hasError(errors, 'spec.components.scheduler.extraArgs.kubeconfig', 'hakube sets --kubeconfig');
  hasError(
    errors,
    'spec.components.kubelet.extraArgs.cluster-dns',
    'spec.network.clusterDNS',
    'KubeletConfiguration.clusterDNS',
  );
  hasError(errors, 'spec.components.kubelet.extraArgs.hostname-override', 'spec.hosts[].name');
  hasError(errors, 'spec.components.kubeProxy.extraArgs.proxy-mode', 'spec.network.proxyMode');
  hasError(errors, 'spec.components.etcd.extraArgs.data-dir', 'spec.etcd.dataDir');
  hasError(errors, 'spec.components.etcd.extraArgs.initial-cluster-token', '/etc/etcd/hakube-etcd.env');
});

test('--feature-gates in extraArgs is refused in favour of featureGates (etcd keeps its own)', () => {
  const errors = errorsOf(
    validateWith({
      components: {
        apiserver: { extraArgs: { 'feature-gates': 'A=true' } },
        etcd: { extraArgs: { 'feature-gates': 'StopGRPCServiceOnDefrag=true' } },
      },
    }),
  );
  hasError(errors, 'spec.components.apiserver.extraArgs.feature-gates', 'spec.featureGates');
  assert.ok(!errors.some((e) => e.startsWith('spec.components.etcd')), errors.join('\n'));
});

test('flag names are an allow-list; values hold no newline or NUL; gates are booleans', () => {
  const errors = errorsOf(
    validateWith({
      featureGates: { 'Bad-Name': true, Fine: 'yes' },
      components: {
        apiserver: { extraArgs: { '--v': '2', V: '2', 'a b': '1', ok: 'x\ny', nul: 'x\u0000' } },
      },
    }),
  );
  hasError(errors, 'spec.components.apiserver.extraArgs.--v', 'flag name');
  hasError(errors, 'spec.components.apiserver.extraArgs.V', 'flag name');
  hasError(errors, 'spec.components.apiserver.extraArgs.a b', 'flag name');
  hasError(errors, 'spec.components.apiserver.extraArgs.ok', 'newline');
  hasError(errors, 'spec.components.apiserver.extraArgs.nul', 'newline or NUL');
  hasError(errors, 'spec.featureGates.Bad-Name', 'feature gate name');
  hasError(errors, 'spec.featureGates.Fine', 'true or false');
});

test('every flag hakube manages is refused by the renderer too (validation and rendering agree)', () => {
  const c = everyHookCluster();
  const m1 = hostByName(c, 'master-1');
  const w1 = hostByName(c, 'worker-1');
  const render = {
    apiserver: (x: Cluster) => renderApiserverUnit(x, m1),
    controllerManager: (x: Cluster) => renderControllerManagerUnit(x),
    scheduler: (x: Cluster) => renderSchedulerUnit(x),
    kubelet: (x: Cluster) => renderKubeletUnit(x, w1),
    kubeProxy: (x: Cluster) => renderKubeProxyUnit(x, w1),
    etcd: (x: Cluster) => renderEtcdUnit(x, m1),
  };
  for (const component of COMPONENTS) {
    const managed = [...managedFlags(c, component).keys()];
    assert.ok(managed.length > 0, component);
    for (const flag of managed) {
      const withFlag: Cluster = {
        ...c,
        spec: {
          ...c.spec,
          components: {
            ...c.spec.components,
            [component]: { ...c.spec.components?.[component], extraArgs: { [flag]: 'x' } },
          },
        },
      };
      assert.throws(() => render[component](withFlag), /cannot be overridden/, `${component} --${flag}`);
    }
  }
});

test('kubelet config: managed fields refused naming the spec field; others deep-merged, lists replaced', () => {
  const errors = errorsOf(
    validateWith({
      components: {
        kubelet: {
          config: {
            clusterDNS: ['1.1.1.1'],
            authentication: { anonymous: { enabled: true } },
            staticPodPath: '/etc/kubernetes/manifests',
            featureGates: { A: true },
            tlsCertFile: '/x.crt',
            cgroupDriver: 'cgroupfs',
            maxPods: 200,
          },
        },
      },
    }),
  );
  hasError(
    errors,
    'spec.components.kubelet.config.clusterDNS',
    'hakube sets clusterDNS',
    'spec.network.clusterDNS',
  );
  hasError(errors, 'spec.components.kubelet.config.authentication', 'webhook authentication');
  hasError(errors, 'spec.components.kubelet.config.staticPodPath', 'systemd units');
  hasError(errors, 'spec.components.kubelet.config.featureGates', 'spec.featureGates');
  hasError(errors, 'spec.components.kubelet.config.tlsCertFile', 'serverTLSBootstrap');
  hasError(errors, 'spec.components.kubelet.config.cgroupDriver', 'SystemdCgroup');
  assert.ok(!errors.some((e) => e.includes('maxPods')));

  const cfg = parse(renderKubeletConfig(everyHookCluster())) as Record<string, unknown>;
  assert.equal(cfg.maxPods, 250);
  // A map merges key by key: the two defaults hakube sets stay beside the user's one.
  assert.deepEqual(cfg.evictionHard, {
    'memory.available': '500Mi',
    'nodefs.available': '10%',
    'imagefs.available': '15%',
  });
  // A list replaces.
  assert.deepEqual(cfg.tlsCipherSuites, ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384']);
  assert.deepEqual(cfg.systemReserved, { cpu: '500m', memory: '1Gi' });
  assert.equal(cfg.serverTLSBootstrap, true);
});

test('feature gates: cluster-wide, overridden per component, sorted, in flags or config files', () => {
  const c = everyHookCluster();
  const m1 = hostByName(c, 'master-1');
  assert.match(
    renderApiserverUnit(c, m1),
    /--feature-gates=InPlacePodVerticalScaling=true,SidecarContainers=false \\/,
  );
  assert.match(
    renderControllerManagerUnit(c),
    /--feature-gates=InPlacePodVerticalScaling=true,SidecarContainers=true \\/,
  );
  assert.match(
    renderSchedulerUnit(c),
    /--feature-gates=InPlacePodVerticalScaling=false,SidecarContainers=true \\/,
  );
  const kubelet = parse(renderKubeletConfig(c)) as { featureGates: Record<string, boolean> };
  assert.deepEqual(Object.entries(kubelet.featureGates), [
    ['InPlacePodVerticalScaling', true],
    ['KubeletTracing', true],
    ['SidecarContainers', true],
  ]);
  assert.doesNotMatch(renderKubeletUnit(c, hostByName(c, 'worker-1')), /feature-gates/);
  assert.doesNotMatch(renderEtcdUnit(c, m1), /feature-gates/);
  // Only a component's own gates, no cluster-wide ones: still rendered.
  const own = clusterWith({ components: { scheduler: { featureGates: { B: true, A: false } } } });
  assert.match(renderSchedulerUnit(own), /--feature-gates=A=false,B=true$/m);
  assert.doesNotMatch(renderApiserverUnit(own, m1), /feature-gates/);
});

test('audit policy and AdmissionConfiguration must be YAML of the right apiVersion and kind', () => {
  const errors = errorsOf(
    validateWith({
      components: {
        apiserver: {
          auditPolicy: 'apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{ level: None }]\n',
          admissionConfiguration: 'apiVersion: apiserver.config.k8s.io/v1\nkind: Policy\n',
        },
      },
    }),
  );
  hasError(errors, 'spec.components.apiserver.auditPolicy', 'apiVersion must be audit.k8s.io/v1');
  hasError(errors, 'spec.components.apiserver.admissionConfiguration', 'kind must be AdmissionConfiguration');
  const notYaml = errorsOf(validateWith({ components: { apiserver: { auditPolicy: 'a: [1, 2\n' } } }));
  hasError(notYaml, 'spec.components.apiserver.auditPolicy', 'not valid YAML');
  const list = errorsOf(validateWith({ components: { apiserver: { auditPolicy: '- a\n- b\n' } } }));
  hasError(list, 'spec.components.apiserver.auditPolicy', 'mapping');
  // Lines are a whole file's content there, and nowhere else.
  const cr = errorsOf(
    validateWith({
      components: { apiserver: { auditPolicy: 'apiVersion: audit.k8s.io/v1\r\nkind: Policy\r\n' } },
    }),
  );
  hasError(cr, 'spec.components.apiserver.auditPolicy', 'control characters');
});

test('proxy: one of http/https required; entries are an allow-list; URLs carry no credentials', () => {
  hasError(
    errorsOf(validateWith({ proxy: { noProxy: ['.example'] } })),
    'spec.proxy.http',
    'set http, https or both',
  );
  const errors = errorsOf(
    validateWith({
      proxy: { http: 'http://user:pw@proxy:3128', noProxy: ['a b', 'ok.example', '10.0.0.0/8'] },
    }),
  );
  hasError(errors, 'spec.proxy.http', 'without credentials');
  hasError(errors, 'spec.proxy.noProxy[0]', 'host, .domain');
  assert.ok(
    !errors.some((e) => e.startsWith('spec.proxy.noProxy[1]') || e.startsWith('spec.proxy.noProxy[2]')),
  );
});

test('unknown component or field under components is refused (strict schema)', () => {
  const errors = errorsOf(validateWith({ components: { kubeApiserver: {}, apiserver: { extraFlags: {} } } }));
  hasError(errors, 'spec.components.kubeApiserver', 'unknown field');
  hasError(errors, 'spec.components.apiserver.extraFlags', 'unknown field');
});

test('kube-proxy config: managed fields refused naming the spec field; others accepted', () => {
  const errors = errorsOf(
    validateWith({
      components: {
        kubeProxy: {
          config: {
            mode: 'iptables',
            clientConnection: { kubeconfig: '/x' },
            featureGates: { A: true },
            ipvs: { scheduler: 'lc' },
          },
        },
      },
    }),
  );
  hasError(errors, 'spec.components.kubeProxy.config.mode', 'hakube sets mode from spec.network.proxyMode');
  hasError(errors, 'spec.components.kubeProxy.config.clientConnection', 'credential');
  hasError(errors, 'spec.components.kubeProxy.config.featureGates', 'spec.featureGates');
  assert.ok(!errors.some((e) => e.includes('ipvs')), errors.join('\n'));
});
