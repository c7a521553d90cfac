// Secrets' encryption keys at rest: made once on the first control-plane host, copied to every
// other control-plane host (never to workers), mode 0600, never replaced by a re-run, never in an
// activity's result; a configuration hakube did not write is refused, not overwritten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPkiActivities } from '../../../activities/pki/pki-activities';
import type { HostProvider } from '../../../activities/context';
import { files } from '../../../cluster/layout';
import { parseEncryptionConfig, renderEncryptionConfig } from '../../../cluster/render/encryption';
import { FakeHost } from '../../helpers/fake-host';
import { pkiCluster } from '../../helpers/pki-cluster';

function world() {
  const cluster = pkiCluster();
  const hosts = new Map(cluster.spec.hosts.map((h) => [h.name, new FakeHost(h.name, h.address)]));
  const provider: HostProvider = { hostFor: (_c, h) => hosts.get(h.name) as FakeHost };
  return { cluster, hosts, acts: createPkiActivities({ hosts: provider }) };
}

const configOn = async (h: FakeHost) => (await h.readFile(files.encryptionConfig))?.toString();

test('the configuration is made on master-1, copied to the other masters, 0600, and kept on re-runs', async () => {
  const { cluster, hosts, acts } = world();
  const authorities = await acts.ensureAuthorities({ cluster });
  assert.deepEqual(authorities.encryptionConfig, {
    host: 'master-1',
    path: files.encryptionConfig,
    changed: true,
  });
  for (const h of cluster.spec.hosts) await acts.ensureHostCertificates({ cluster, host: h.name });
  const first = await configOn(hosts.get('master-1') as FakeHost);
  assert.ok(first);
  const keys = parseEncryptionConfig(first);
  assert.equal(keys?.length, 1);
  assert.equal(Buffer.from(keys?.[0].secret ?? '', 'base64').length, 32);
  for (const m of ['master-2', 'master-3']) {
    assert.equal(await configOn(hosts.get(m) as FakeHost), first, m);
    assert.equal((await hosts.get(m)?.stat(files.encryptionConfig))?.mode, 0o600);
  }
  assert.equal(await configOn(hosts.get('worker-1') as FakeHost), undefined, 'a worker got the keys');
  // Nothing of the key in what the activity returns (it would land in the workflow history).
  assert.doesNotMatch(
    JSON.stringify(authorities),
    new RegExp(keys?.[0].secret.slice(0, 20).replace(/[+/]/g, '.') ?? 'x'),
  );

  const again = await acts.ensureAuthorities({ cluster });
  assert.equal(again.encryptionConfig.changed, false);
  assert.equal(await configOn(hosts.get('master-1') as FakeHost), first, 'a re-run replaced the key');
});

test('a configuration hakube did not write is refused, never overwritten', async () => {
  const { cluster, hosts, acts } = world();
  const foreign = 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: []\n';
  await (hosts.get('master-1') as FakeHost).ensureFile(files.encryptionConfig, Buffer.from(foreign));
  await assert.rejects(acts.ensureAuthorities({ cluster }), /not an EncryptionConfiguration hakube wrote/);
  assert.equal(await configOn(hosts.get('master-1') as FakeHost), foreign);
});

test('render and parse agree; malformed keys are refused', () => {
  const keys = [
    { name: 'key2', secret: Buffer.alloc(32, 2).toString('base64') },
    { name: 'key1', secret: Buffer.alloc(32, 1).toString('base64') },
  ];
  assert.deepEqual(parseEncryptionConfig(renderEncryptionConfig(keys)), keys);
  assert.throws(() => renderEncryptionConfig([{ name: 'key1\n- identity', secret: keys[0].secret }]));
  assert.throws(() => renderEncryptionConfig([{ name: 'key1', secret: 'short' }]));
  assert.equal(parseEncryptionConfig(renderEncryptionConfig(keys).replace('key2', 'other')), undefined);
});
