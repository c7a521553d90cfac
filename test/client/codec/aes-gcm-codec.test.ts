// The AES-256-GCM payload codec: round trip, wrong key, tampering, pass-through of payloads
// that were never encrypted, key rotation, and the raw-payload helpers the client uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type LoadedDataConverter, type Payload } from '@temporalio/common';
import {
  AesGcmCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  isEncrypted,
} from '../../../client/codec/aes-gcm-codec';
import {
  MalformedEncryptedPayloadError,
  PayloadAuthenticationError,
  PayloadDecryptionError,
  UnknownEncryptionKeyError,
} from '../../../client/codec/errors';
import { failureConverter } from '../../../client/codec/failure-converter';
import { keyRing } from '../../../client/codec/keys';
import { rawFailureMessage, rawPayloadValue } from '../../../client/codec/raw-payloads';

const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const codec = new AesGcmCodec(keyRing([oldKey], 'test'));
const SECRET = { cluster: 'prod-zebra-7', token: 'abcdef.0123456789abcdef' };

const text = (p: Payload, key: string) => Buffer.from(p.metadata?.[key] ?? new Uint8Array()).toString();

async function rejects(promise: Promise<unknown>, type: new (...args: never[]) => Error): Promise<Error> {
  const err = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
  assert.ok(err instanceof PayloadDecryptionError);
  return err;
}

test('encode encrypts the whole payload; decode gives back its metadata and data', async () => {
  const plain = defaultPayloadConverter.toPayload(SECRET);
  const [sealed] = await codec.encode([plain]);
  assert.equal(text(sealed, 'encoding'), ENCRYPTED_ENCODING);
  assert.equal(text(sealed, KEY_ID_METADATA), codec.currentKeyId);
  assert.deepEqual(Object.keys(sealed.metadata ?? {}).sort(), ['encoding', KEY_ID_METADATA]);
  const raw = Buffer.from(sealed.data ?? new Uint8Array()).toString('latin1');
  assert.ok(!raw.includes('prod-zebra-7') && !raw.includes('json/plain'));
  const [opened] = await codec.decode([sealed]);
  assert.equal(text(opened, 'encoding'), 'json/plain');
  assert.deepEqual(defaultPayloadConverter.fromPayload(opened), SECRET);
  // A fresh nonce each time: the same payload never encrypts to the same bytes.
  const [again] = await codec.encode([plain]);
  assert.notDeepEqual(Buffer.from(again.data ?? []), Buffer.from(sealed.data ?? []));
  // Empty payload lists and empty data are fine.
  assert.deepEqual(await codec.encode([]), []);
  const [empty] = await codec.decode(
    await codec.encode([{ metadata: { encoding: Buffer.from('binary/null') } }]),
  );
  assert.equal(text(empty, 'encoding'), 'binary/null');
});

test('a payload encrypted with another key fails with UnknownEncryptionKey naming both key ids', async () => {
  const other = new AesGcmCodec(keyRing([newKey], 'test'));
  const [sealed] = await other.encode([defaultPayloadConverter.toPayload(SECRET)]);
  const err = await rejects(codec.decode([sealed]), UnknownEncryptionKeyError);
  assert.equal((err as UnknownEncryptionKeyError).reason, 'unknown-key');
  assert.equal((err as UnknownEncryptionKeyError).keyId, other.currentKeyId);
  assert.match(err.message, new RegExp(`key ${other.currentKeyId}.*configured: ${codec.currentKeyId}`));
});

test('tampered ciphertext, nonce or tag fails authentication; truncated or unlabelled data is malformed', async () => {
  const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(SECRET)]);
  const data = Buffer.from(sealed.data ?? []);
  for (const at of [0, 12, Math.floor(data.length / 2), data.length - 1]) {
    const bad = Buffer.from(data);
    bad[at] ^= 0x01;
    await rejects(codec.decode([{ ...sealed, data: bad }]), PayloadAuthenticationError);
  }
  await rejects(codec.decode([{ ...sealed, data: data.subarray(0, 20) }]), MalformedEncryptedPayloadError);
  await rejects(
    codec.decode([{ metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING) }, data }]),
    MalformedEncryptedPayloadError,
  );
});

test('payloads that were never encrypted pass through decode unchanged', async () => {
  const plain = defaultPayloadConverter.toPayload(SECRET);
  const nothing: Payload = {};
  const [a, b] = await codec.decode([plain, nothing]);
  assert.equal(a, plain);
  assert.equal(b, nothing);
  assert.equal(isEncrypted(plain), false);
});

test('rotation: the new key encrypts, the old key still decrypts what it encrypted', async () => {
  const [before] = await codec.encode([defaultPayloadConverter.toPayload(SECRET)]);
  const rotated = new AesGcmCodec(keyRing([newKey, oldKey], 'test'));
  assert.deepEqual(defaultPayloadConverter.fromPayload((await rotated.decode([before]))[0]), SECRET);
  const [after] = await rotated.encode([defaultPayloadConverter.toPayload(SECRET)]);
  assert.equal(text(after, KEY_ID_METADATA), rotated.currentKeyId);
  assert.notEqual(rotated.currentKeyId, codec.currentKeyId);
  // A worker still on the old key alone cannot read what the new key wrote.
  await rejects(codec.decode([after]), UnknownEncryptionKeyError);
});

test('raw payloads and failures from describe() decode through the client converter', async () => {
  const converter: LoadedDataConverter = {
    payloadConverter: defaultPayloadConverter,
    failureConverter,
    payloadCodecs: [codec],
  };
  const [heartbeat] = await codec.encode([defaultPayloadConverter.toPayload({ output: 'etcd ready' })]);
  assert.deepEqual(await rawPayloadValue(converter, heartbeat), { output: 'etcd ready' });
  assert.equal(await rawPayloadValue({ ...converter, payloadCodecs: [] }, heartbeat), undefined);
  const failure = failureConverter.errorToFailure(new Error('ssh: connect refused'), defaultPayloadConverter);
  assert.equal(failure.message, 'Encoded failure');
  [failure.encodedAttributes] = await codec.encode([failure.encodedAttributes as Payload]);
  assert.equal(await rawFailureMessage(converter, failure), 'ssh: connect refused');
  assert.equal(await rawFailureMessage({ ...converter, payloadCodecs: [] }, failure), 'Encoded failure');
  assert.equal(await rawFailureMessage(converter, { message: 'plain' }), 'plain');
});
