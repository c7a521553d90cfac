import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { formatProblem } from '../../cluster/problems';
import { validateClusterSpec } from '../../cluster/validate';
import { loadSpecFile } from '../../client/spec-file';
import { sshTargetFor } from '../../activities/ssh-hosts';
import type { SshTarget } from '../../activities/ssh';

const pick = (t: SshTarget) => ({
  privateKeyPath: t.privateKeyPath,
  passphraseFile: t.passphraseFile,
  agentSocket: t.agentSocket,
});
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

  test("SSH needs a key file or the agent; the agent socket and passphrase file are the worker's", () => {
    const spec = (ssh: Record<string, unknown>) =>
      validateClusterSpec({
        apiVersion: 'hakube.io/v1alpha1',
        kind: 'Cluster',
        metadata: { name: 'd' },
        spec: {
          ssh,
          hosts: [
            { name: 'm1', address: '10.0.0.2', roles: ['control-plane', 'etcd'] },
            { name: 'm2', address: '10.0.0.3', roles: ['worker'], ssh: { privateKeyPath: '/m2' } },
          ],
          controlPlaneEndpoint: { mode: 'keepalived', vip: '10.0.0.100', interface: 'eth0' },
        },
      });
    const neither = spec({});
    assert.deepEqual(
      neither.problems.map((p) => formatProblem(p)),
      ['spec.ssh.privateKeyPath: set privateKeyPath, or agent: true to use the ssh-agent of the worker'],
    );
    const agentOnly = spec({ agent: true, privateKeyPassphraseFile: '/p' });
    assert.deepEqual(agentOnly.problems, []);
    const cluster = agentOnly.cluster!;
    const [m1, m2] = cluster.spec.hosts;
    assert.deepEqual(pick(sshTargetFor(cluster, m1, { SSH_AUTH_SOCK: '/run/agent.sock' })), {
      privateKeyPath: undefined,
      passphraseFile: '/p',
      agentSocket: '/run/agent.sock',
    });
    // A host's own key, the cluster's passphrase file and agent; no SSH_AUTH_SOCK: refused on connecting.
    assert.deepEqual(pick(sshTargetFor(cluster, m2, {})), {
      privateKeyPath: '/m2',
      passphraseFile: '/p',
      agentSocket: '',
    });
    assert.equal(
      sshTargetFor(spec({ privateKeyPath: '/k' }).cluster!, m1, { SSH_AUTH_SOCK: '/s' }).agentSocket,
      undefined,
    );
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
