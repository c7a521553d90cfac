import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { keySecrets, scanHistory, secretsInHistory } from './history-scan';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const history = (payloads: { encoding: string; data: string | Buffer }[]) =>
  JSON.stringify({
    events: [
      {
        activityTaskCompletedEventAttributes: {
          result: {
            payloads: payloads.map((p) => ({ metadata: { encoding: b64(p.encoding) }, data: b64(p.data) })),
          },
        },
      },
    ],
  });

const freshPrivateKeyPem = () =>
  generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' });

test('secrets inside base64 payloads are found, which a match on the raw JSON misses', () => {
  const json = history([
    { encoding: 'json/plain', data: JSON.stringify({ pem: freshPrivateKeyPem() }) },
    {
      encoding: 'json/plain',
      data: JSON.stringify({
        t: 'abcdef.0123456789abcdef',
        k: b64('apiVersion: v1\nkind: Config\nclusters: []\n'),
      }),
    },
  ]);
  assert.doesNotMatch(json, /PRIVATE KEY/);
  assert.deepEqual(secretsInHistory(json), [
    'private key (PEM)',
    'bootstrap token format',
    'kubeconfig document',
  ]);
  assert.deepEqual(secretsInHistory(history([{ encoding: 'json/plain', data: '{"serial":"0a1b"}' }])), []);
});

test('a known key is found re-encoded, even as raw bytes in a binary payload; opaque payloads are counted', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const d = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
  const secrets = keySecrets('ca.key', pem);
  const scan = scanHistory(
    'h',
    history([{ encoding: 'binary/plain', data: Buffer.concat([Buffer.from('x'), d]) }]),
    secrets,
  );
  assert.deepEqual(scan.findings, [{ history: 'h', what: 'ca.key' }]);
  assert.equal(scan.opaquePayloads, 1);
  const clean = scanHistory(
    'h',
    history([{ encoding: 'json/plain', data: '{"fingerprint":"ab:cd"}' }]),
    secrets,
  );
  assert.deepEqual(clean.findings, []);
});
