import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { formatProblem } from '../../cluster/problems';
import { validateClusterSpec } from '../../cluster/validate';
import { loadSpecFile } from '../../client/spec-file';
import { makeTempHome } from '../helpers/temp-home';
import { invalidCorpus, validExamples } from '../helpers/spec-corpus';

let home = '';
const savedHome = process.env.HOME;
before(() => {
  home = makeTempHome();
  process.env.HOME = home;
});
after(() => {
  process.env.HOME = savedHome;
  rmSync(home, { recursive: true, force: true });
});

describe('invalid spec corpus', () => {
  const corpus = invalidCorpus();
  test('has at least 25 files, each with expectations', () => {
    assert.ok(corpus.length >= 25, `only ${corpus.length} files`);
    for (const c of corpus) assert.ok(c.expects.length > 0, `${c.name} has no # expect: line`);
  });
  for (const c of corpus) {
    test(c.name, () => {
      const loaded = loadSpecFile(c.file);
      assert.equal(loaded.cluster, undefined, 'must not validate');
      const lines = loaded.problems.filter((p) => p.severity === 'error').map(formatProblem);
      for (const e of c.expects)
        assert.ok(
          lines.some((l) => l.startsWith(e)),
          `expected "${e}" among:\n${lines.join('\n')}`,
        );
      for (const p of loaded.problems) assert.ok(p.line !== undefined, `no line for ${formatProblem(p)}`);
    });
  }
});

describe('valid specs', () => {
  for (const file of validExamples()) {
    test(file.split('/').pop() as string, () => {
      const loaded = loadSpecFile(file);
      assert.deepEqual(
        loaded.problems.filter((p) => p.severity === 'error'),
        [],
      );
      assert.ok(loaded.cluster);
    });
  }

  test('defaults are applied', () => {
    const r = validateClusterSpec({
      apiVersion: 'hakube.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'd' },
      spec: {
        ssh: { privateKeyPath: '/k' },
        hosts: [{ name: 'm1', address: '10.0.0.2', roles: ['control-plane', 'etcd'] }],
        controlPlaneEndpoint: { mode: 'keepalived', vip: '10.0.0.100', interface: 'eth0' },
      },
    });
    assert.deepEqual(r.problems, []);
    const spec = r.cluster!.spec;
    assert.equal(spec.ssh.user, 'root');
    assert.equal(spec.ssh.knownHosts.policy, 'strict');
    assert.equal(spec.network.serviceCIDR, '10.96.0.0/16');
    assert.equal(spec.certificates.caValidityDays, 36500);
    assert.equal(spec.controlPlaneEndpoint.port, 16443);
    assert.equal(spec.etcd.dataDir, '/var/lib/etcd');
  });

  test('an even etcd count is a warning, not an error', () => {
    const hosts = [1, 2, 3, 4].map((i) => ({
      name: `m${i}`,
      address: `10.0.0.${i + 1}`,
      roles: ['control-plane', 'etcd'],
    }));
    const r = validateClusterSpec({
      apiVersion: 'hakube.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'even' },
      spec: {
        ssh: { privateKeyPath: '/k' },
        hosts,
        controlPlaneEndpoint: { mode: 'external', address: '10.0.0.200' },
      },
    });
    assert.ok(r.cluster);
    assert.deepEqual(
      r.problems.map((p) => [p.severity, p.path]),
      [['warning', 'spec.hosts']],
    );
  });

  test('a node-local DNS address may be handed to kubelets as clusterDNS', () => {
    const r = validateClusterSpec({
      apiVersion: 'hakube.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'nl' },
      spec: {
        ssh: { privateKeyPath: '/k' },
        hosts: [{ name: 'm1', address: '10.0.0.2', roles: ['control-plane', 'etcd'] }],
        controlPlaneEndpoint: { mode: 'external', address: 'lb.example' },
        network: { clusterDNS: '169.254.20.10', nodeLocalDNS: '169.254.20.10' },
      },
    });
    assert.deepEqual(r.problems, []);
  });
});

test('YAML syntax errors carry line and column', () => {
  const loaded = loadSpecFile(invalidCorpus().find((c) => c.name === 'yaml-syntax-error')!.file);
  const p = loaded.problems[0];
  assert.equal(p.severity, 'error');
  assert.ok(p.line && p.line > 1 && p.column && p.column > 0, JSON.stringify(p));
});
