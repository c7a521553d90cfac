// Hostile input in every free-form field of the spec: shell, newline, TOML/YAML and path-traversal
// payloads. Each string field (and each free-form map key) of a complete spec gets each payload in
// turn; validation must refuse it naming that field, unless the field is one the worker only ever
// reads as a local file with Node (never through a shell or into a host's file), where only
// control characters are refused. The rendered commands that carry stored values are run in a
// sandbox shell to show that a payload stays a literal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateClusterSpec } from '../../cluster/validate';
import { etcdutlRestoreCommand, stagedSnapshotPath } from '../../cluster/backup/restore';
import { renderRegistryMirrors } from '../../cluster/render/node';
import { renderKeepalivedConfig } from '../../cluster/render/keepalived';
import { renderEtcdUnit } from '../../cluster/render/etcd';
import type { Cluster } from '../../cluster/spec';

/** Every field the schema has, filled in (two specs: the S3 and the SFTP backup targets). */
function fullSpec(target: 's3' | 'sftp' = 's3'): Record<string, unknown> {
  const targets = {
    s3: {
      type: 's3',
      endpoint: 'https://s3.eu-central-1.amazonaws.com',
      bucket: 'etcd-backups',
      prefix: 'prod/etcd',
      region: 'eu-central-1',
      credentialsFile: '~/.aws/credentials',
    },
    sftp: { type: 'sftp', host: 'backup-1.example.com', path: '/srv/etcd', ssh: { user: 'backup' } },
  };
  return {
    apiVersion: 'hakube.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'prod' },
    spec: {
      kubernetesVersion: 'v1.37.2',
      ssh: {
        user: 'ops',
        privateKeyPath: '~/.ssh/id_ed25519',
        privateKeyPassphraseFile: '~/.ssh/id_ed25519.pass',
        knownHosts: { path: '~/.hakube/known_hosts', policy: 'strict' },
        bastion: {
          address: 'jump.example.com',
          user: 'jump',
          privateKeyPath: '~/.ssh/jump',
          privateKeyPassphraseFile: '~/.ssh/jump.pass',
        },
      },
      hosts: [
        {
          name: 'master-1',
          address: '10.0.0.11',
          roles: ['control-plane', 'etcd'],
          ssh: { user: 'admin', privateKeyPath: '~/.ssh/m1', privateKeyPassphraseFile: '~/.ssh/m1.pass' },
          labels: { 'topology.kubernetes.io/zone': 'eu-1a' },
        },
        { name: 'worker-1', address: '10.0.0.21', roles: ['worker'] },
      ],
      controlPlaneEndpoint: { mode: 'keepalived', vip: '10.0.0.10/24', interface: 'eth0' },
      network: {
        podCIDR: '10.244.0.0/16',
        serviceCIDR: '10.96.0.0/16',
        clusterDomain: 'cluster.local',
        clusterDNS: '10.96.0.10',
        nodeLocalDNS: '169.254.20.10',
      },
      etcd: {
        dataDir: '/var/lib/etcd',
        backup: { schedule: '0 */6 * * *', keep: 5, target: targets[target] },
      },
      artifacts: { source: 'bundle', bundleDir: '/srv/hakube/bundle' },
      registryMirrors: { 'docker.io': ['https://mirror.example.com'] },
      addons: { readyTimeout: '5m' },
    },
  };
}

const PAYLOADS = [
  '$(touch /tmp/hakube-pwned)',
  '`touch /tmp/hakube-pwned`',
  'x;touch${IFS}/tmp/hakube-pwned;#',
  "x' && touch /tmp/hakube-pwned '",
  'eth0\n    notify_master "/bin/sh -c id"',
  '/var/lib/etcd\nExecStartPre=/bin/sh -c id',
  '"]\n[host."https://evil"]\n',
  'a: b\n- c: d',
  '../../../etc/cron.d/x',
  '/var/lib/../../etc',
];

/** Read by the worker with Node only (fs, ssh2): never reaches a shell or a host's file. */
const LOCAL_FILE_FIELDS = new Set([
  'spec.ssh.privateKeyPath',
  'spec.ssh.privateKeyPassphraseFile',
  'spec.ssh.knownHosts.path',
  'spec.ssh.bastion.privateKeyPath',
  'spec.ssh.bastion.privateKeyPassphraseFile',
  'spec.hosts[0].ssh.privateKeyPath',
  'spec.hosts[0].ssh.privateKeyPassphraseFile',
  'spec.etcd.backup.target.credentialsFile',
  'spec.artifacts.bundleDir',
]);

type Leaf = { path: (string | number)[]; kind: 'value' | 'key' };

/** As validation names a field: `spec.hosts[0].name`. */
const fieldOf = (path: (string | number)[]) =>
  path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');

/** Every string value and every key of a free-form map (labels, registryMirrors), with its path. */
function leaves(value: unknown, path: (string | number)[] = []): Leaf[] {
  if (typeof value === 'string') return [{ path, kind: 'value' }];
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const freeKeys = ['labels', 'registryMirrors'].includes(String(path[path.length - 1]));
    return Object.entries(value).flatMap(([k, v]) => [
      ...(freeKeys ? [{ path: [...path, k], kind: 'key' as const }] : []),
      ...leaves(v, [...path, k]),
    ]);
  }
  return [];
}

function withPayload(doc: Record<string, unknown>, leaf: Leaf, payload: string): unknown {
  const copy = structuredClone(doc);
  let parent = copy as Record<string | number, unknown>;
  for (const seg of leaf.path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
  const last = leaf.path[leaf.path.length - 1];
  if (leaf.kind === 'value') parent[last] = payload;
  else {
    parent[payload] = parent[last];
    delete parent[last];
  }
  return copy;
}

test('the complete specs used below are valid', () => {
  for (const t of ['s3', 'sftp'] as const)
    assert.deepEqual(
      validateClusterSpec(fullSpec(t)).problems.filter((p) => p.severity === 'error'),
      [],
    );
});

test('every free-form field refuses shell, newline, TOML/YAML and path-traversal payloads, naming the field', () => {
  const fixedEnums = new Set(['apiVersion', 'kind', 'mode', 'type', 'policy', 'source', 'roles']);
  let tried = 0;
  for (const t of ['s3', 'sftp'] as const) {
    const doc = fullSpec(t);
    for (const leaf of leaves(doc)) {
      const field = fieldOf(leaf.path);
      if (leaf.kind === 'value' && leaf.path.some((s) => fixedEnums.has(String(s)))) continue;
      for (const payload of PAYLOADS) {
        tried++;
        const problems = validateClusterSpec(withPayload(doc, leaf, payload)).problems.filter(
          (p) => p.severity === 'error',
        );
        const inert = leaf.kind === 'value' && LOCAL_FILE_FIELDS.has(field) && !/[\n\r]/.test(payload);
        if (inert) continue;
        // A refused map key is named by the map's path and the key itself.
        const named = leaf.kind === 'key' ? fieldOf(leaf.path.slice(0, -1)) : field;
        assert.ok(
          problems.some((p) => p.path === named || (leaf.kind === 'key' && p.path.startsWith(`${named}.`))),
          `${field} accepted ${JSON.stringify(payload)} (problems: ${JSON.stringify(problems)})`,
        );
      }
    }
  }
  assert.ok(tried > 300, `only ${tried} combinations tried`);
});

test('plain http to the S3 target needs saying so', () => {
  const doc = fullSpec('s3') as { spec: { etcd: { backup: { target: Record<string, unknown> } } } };
  doc.spec.etcd.backup.target.endpoint = 'http://minio.internal:9000';
  const refused = validateClusterSpec(doc).problems.filter((p) => p.severity === 'error');
  assert.deepEqual(
    refused.map((p) => p.path),
    ['spec.etcd.backup.target.endpoint'],
  );
  doc.spec.etcd.backup.target.allowInsecureHttp = true;
  assert.deepEqual(
    validateClusterSpec(doc).problems.filter((p) => p.severity === 'error'),
    [],
  );
});

function validCluster(): Cluster {
  const r = validateClusterSpec(fullSpec());
  assert.ok(r.cluster);
  return r.cluster;
}

test('renderers refuse what their format cannot carry, even from a spec that skipped validation', () => {
  const c = validCluster();
  const master = c.spec.hosts[0];
  const refuses = (render: () => unknown, field: RegExp) =>
    assert.throws(render, (e: Error) => {
      assert.match(e.message, field);
      assert.match(e.message, /cannot be written safely/);
      return true;
    });
  const ep = c.spec.controlPlaneEndpoint as { interface: string };
  refuses(
    () =>
      renderKeepalivedConfig(
        {
          ...c,
          spec: { ...c.spec, controlPlaneEndpoint: { ...ep, interface: 'eth0\n notify_master x' } },
        } as Cluster,
        master,
      ),
    /interface/,
  );
  refuses(
    () =>
      renderEtcdUnit(
        { ...c, spec: { ...c.spec, etcd: { dataDir: '/var/lib/etcd\nExecStartPre=/bin/id' } } },
        master,
      ),
    /--data-dir/,
  );
  refuses(
    () =>
      renderRegistryMirrors({ ...c, spec: { ...c.spec, registryMirrors: { '../../etc': ['https://m'] } } }),
    /registryMirrors/,
  );
  refuses(
    () =>
      renderRegistryMirrors({
        ...c,
        spec: { ...c.spec, registryMirrors: { 'docker.io': ['https://m"]\n[host."https://evil'] } },
      }),
    /registryMirrors/,
  );
});

test('the restore command keeps a hostile snapshot name and data dir literal (run in a sandbox shell)', () => {
  const sandbox = mkdtempSync(join(tmpdir(), 'hakube-sandbox-'));
  const marker = join(sandbox, 'pwned');
  const c = validCluster();
  const hostile = `x;touch ${marker};#$(touch ${marker})\`touch ${marker}\``;
  const command = etcdutlRestoreCommand(
    c,
    c.spec.hosts[0],
    stagedSnapshotPath(hostile),
    `/var/lib/etcd'$(touch ${marker})'`,
    `t;touch ${marker}`,
  );
  // etcdutl is not installed here: the shell only expands (or not) the words, then fails to find it.
  try {
    execFileSync('sh', ['-c', command], { cwd: sandbox, stdio: 'ignore' });
  } catch {
    // exit 127, expected
  }
  assert.equal(existsSync(marker), false, `the payload ran: ${command}`);
});
