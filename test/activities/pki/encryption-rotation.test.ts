// Rotating the Secrets key on in-memory hosts: the staged key is made once and never in a
// result; each stage lists the keys in the right order on every master, whatever stage the
// first master's file is already at; the end refuses until the new key is alone and then removes
// the staged file. Then the pure parts: key order, staged key file, what the apiserver's metrics
// and etcd's listing say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createPkiActivities } from '../../../activities/pki/pki-activities';
import { createEncryptionRotationActivities } from '../../../activities/pki/encryption-rotation';
import type { HostProvider } from '../../../activities/context';
import { files } from '../../../cluster/layout';
import { loadedConfigHashes, secretsByKey } from '../../../cluster/encryption-status';
import {
  keysAtStage,
  nextKeyName,
  parseEncryptionConfig,
  parseStagedKey,
  renderStagedKey,
} from '../../../cluster/render/encryption';
import { FakeHost } from '../../helpers/fake-host';
import { pkiCluster } from '../../helpers/pki-cluster';

async function installed() {
  const cluster = pkiCluster();
  const hosts = new Map(cluster.spec.hosts.map((h) => [h.name, new FakeHost(h.name, h.address)]));
  const provider: HostProvider = { hostFor: (_c, h) => hosts.get(h.name) as FakeHost };
  const pki = createPkiActivities({ hosts: provider });
  await pki.ensureAuthorities({ cluster });
  for (const h of cluster.spec.hosts) await pki.ensureHostCertificates({ cluster, host: h.name });
  return { cluster, hosts, acts: createEncryptionRotationActivities({ hosts: provider }) };
}

const keysOn = async (h: FakeHost | undefined) =>
  parseEncryptionConfig((await h?.readFile(files.encryptionConfig))?.toString() ?? '')?.map((k) => k.name);

test('a rotation on the masters: staged once, trusted, used, alone; the staged file removed at the end', async () => {
  const { cluster, hosts, acts } = await installed();
  const m1 = hosts.get('master-1') as FakeHost;
  const original = parseEncryptionConfig((await m1.readFile(files.encryptionConfig))?.toString() ?? '');
  const staged = await acts.stageEncryptionKey({ cluster });
  assert.deepEqual(staged, { current: ['key1'], staged: 'key2' });
  const stagedFile = (await m1.readFile(files.encryptionKeyStaged))?.toString() ?? '';
  assert.equal((await m1.stat(files.encryptionKeyStaged))?.mode, 0o600);
  // A retry finds the same key; no result carries a secret.
  assert.deepEqual(await acts.stageEncryptionKey({ cluster }), staged);
  assert.equal((await m1.readFile(files.encryptionKeyStaged))?.toString(), stagedFile);
  const secret = parseStagedKey(stagedFile)?.secret ?? '';
  assert.equal(Buffer.from(secret, 'base64').length, 32);

  const masters = ['master-1', 'master-2', 'master-3'];
  const stage = async (s: 'old-first' | 'new-first' | 'new-only') => {
    const results = [];
    for (const m of masters) results.push(await acts.writeEncryptionKeys({ cluster, host: m, stage: s }));
    assert.ok(
      !JSON.stringify(results).includes(secret) &&
        !JSON.stringify(results).includes(original?.[0].secret ?? '?'),
    );
    return Promise.all(masters.map((m) => keysOn(hosts.get(m))));
  };
  await assert.rejects(
    acts.finishEncryptionKeyRotation({ cluster }),
    /does not list the staged key alone yet/,
  );
  assert.deepEqual(await stage('old-first'), [
    ['key1', 'key2'],
    ['key1', 'key2'],
    ['key1', 'key2'],
  ]);
  assert.deepEqual(await stage('new-first'), [
    ['key2', 'key1'],
    ['key2', 'key1'],
    ['key2', 'key1'],
  ]);
  // The old key is the same everywhere, the one the install made.
  for (const m of masters)
    assert.equal(
      parseEncryptionConfig((await hosts.get(m)?.readFile(files.encryptionConfig))?.toString() ?? '')?.[1]
        .secret,
      original?.[0].secret,
    );
  // A retry of the previous stage after master-1 moved on still writes that stage.
  assert.deepEqual((await acts.writeEncryptionKeys({ cluster, host: 'master-2', stage: 'old-first' })).keys, [
    'key1',
    'key2',
  ]);
  assert.deepEqual(await stage('new-only'), [['key2'], ['key2'], ['key2']]);
  assert.equal(await keysOn(hosts.get('worker-1')), undefined, 'a worker got the keys');
  assert.deepEqual(await acts.finishEncryptionKeyRotation({ cluster }), { keys: ['key2'] });
  assert.equal(await m1.readFile(files.encryptionKeyStaged), undefined);
  // The next rotation stages key3.
  assert.deepEqual(await acts.stageEncryptionKey({ cluster }), { current: ['key2'], staged: 'key3' });
});

test('what hakube did not write is refused, not used', async () => {
  const { cluster, hosts, acts } = await installed();
  const m1 = hosts.get('master-1') as FakeHost;
  await m1.ensureFile(files.encryptionKeyStaged, Buffer.from('key2 not-a-key\n'));
  await assert.rejects(acts.stageEncryptionKey({ cluster }), /is not a staged key hakube wrote/);
  await m1.ensureFile(
    files.encryptionKeyStaged,
    Buffer.from(renderStagedKey({ name: 'key1', secret: 'A'.repeat(43) + '=' })),
  );
  await assert.rejects(
    acts.writeEncryptionKeys({ cluster, host: 'master-2', stage: 'old-first' }),
    /has a key1 other than the staged one/,
  );
  await m1.ensureAbsent(files.encryptionKeyStaged);
  await assert.rejects(
    acts.writeEncryptionKeys({ cluster, host: 'master-2', stage: 'old-first' }),
    /no staged key/,
  );
});

test('key order per stage, the next name, the staged key file', () => {
  const k = (n: number) => ({ name: `key${n}`, secret: `${String(n).repeat(43)}=` });
  assert.deepEqual(keysAtStage([k(1)], k(2), 'old-first'), [k(1), k(2)]);
  assert.deepEqual(keysAtStage([k(2), k(1)], k(2), 'old-first'), [k(1), k(2)]);
  assert.deepEqual(keysAtStage([k(1), k(2)], k(2), 'new-first'), [k(2), k(1)]);
  assert.deepEqual(keysAtStage([k(2), k(1)], k(2), 'new-only'), [k(2)]);
  assert.equal(nextKeyName([k(1)]), 'key2');
  assert.equal(nextKeyName([k(9), k(3)]), 'key10');
  assert.deepEqual(parseStagedKey(renderStagedKey(k(4))), k(4));
  for (const bad of [
    'key4 short\n',
    `key4 ${'a'.repeat(43)}=`,
    `key4 ${'a'.repeat(43)}=\nmore\n`,
    `k4 ${'a'.repeat(43)}=\n`,
  ])
    assert.equal(parseStagedKey(bad), undefined, bad);
  assert.throws(() => renderStagedKey({ name: 'key1\nx', secret: k(1).secret }));
});

test('the hash an apiserver reports having loaded, and which key each Secret in etcd is under', () => {
  const file = 'apiVersion: apiserver.config.k8s.io/v1\n';
  const hash = `sha256:${createHash('sha256').update(file).digest('hex')}`;
  const metrics = [
    '# HELP apiserver_encryption_config_controller_last_config_info [ALPHA] Information about the last applied encryption configuration',
    '# TYPE apiserver_encryption_config_controller_last_config_info gauge',
    `apiserver_encryption_config_controller_last_config_info{apiserver_id_hash="sha256:${'1'.repeat(64)}",hash="${hash}"} 1`,
    'apiserver_encryption_config_controller_automatic_reloads_total{apiserver_id_hash="x",status="success"} 2',
  ].join('\n');
  assert.deepEqual(loadedConfigHashes(metrics), [hash]);
  assert.deepEqual(
    loadedConfigHashes('apiserver_encryption_config_controller_last_config_info{hash="md5:1"} 1'),
    [],
  );

  const kv = (value: string) => ({
    key: Buffer.from('/registry/secrets/default/x').toString('base64'),
    value: Buffer.from(value).toString('base64'),
  });
  const listing = JSON.stringify({
    kvs: [
      kv('k8s:enc:secretbox:v1:key2:\u0001\u0002ciphertext'),
      kv('k8s:enc:secretbox:v1:key2:more'),
      kv('k8s:enc:secretbox:v1:key1:old'),
      kv('k8s\u0000\n\u0002v1\u0012\u0006Secret plain protobuf'),
    ],
  });
  assert.deepEqual(secretsByKey(listing), { total: 4, byKey: { key2: 2, key1: 1 }, plaintext: 1 });
  assert.deepEqual(secretsByKey('{"header":{}}'), { total: 0, byKey: {}, plaintext: 0 });
  assert.throws(() => secretsByKey('{"kvs":[{"value":7}]}'), /not base64 text/);
  assert.throws(() => secretsByKey('not json'));
});
