// The payload codec: AES-256-GCM over the whole original payload (metadata and data, as its
// protobuf encoding), a fresh 12-byte nonce per payload, the key id in the metadata.
// Stored form: data = nonce (12) | ciphertext | tag (16); metadata encoding = binary/encrypted,
// encryption-key-id = the key's id (the layout of Temporal's encryption samples).
// Payloads not marked encrypted pass through decode unchanged for readers (the CLI, the codec
// server: histories from before encryption still read); a worker refuses them (`refusePlaintext`):
// it must not act on input from someone without the key.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import {
  MalformedEncryptedPayloadError,
  PayloadAuthenticationError,
  PlaintextPayloadError,
  UnknownEncryptionKeyError,
} from './errors';
import { ringKeys, type CodecKey, type KeyRing } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const ProtoPayload = temporal.api.common.v1.Payload;

function metadataText(payload: Payload, key: string): string | undefined {
  const value = payload.metadata?.[key];
  return value ? Buffer.from(value).toString('utf8') : undefined;
}

export function isEncrypted(payload: Payload): boolean {
  return metadataText(payload, 'encoding') === ENCRYPTED_ENCODING;
}

export interface AesGcmCodecOptions {
  /** Decode fails on a payload that is not encrypted (the worker's setting). */
  refusePlaintext?: boolean;
}

export class AesGcmCodec implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, CodecKey>;

  constructor(
    private readonly ring: KeyRing,
    private readonly options: AesGcmCodecOptions = {},
  ) {
    this.byId = new Map(ringKeys(ring).map((k) => [k.id, k]));
  }

  /** The id of the key new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.ring.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encrypt(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.decrypt(p));
  }

  encrypt(payload: Payload): Payload {
    const { id, key } = this.ring.current;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
    const plain = ProtoPayload.encode(payload).finish();
    const sealed = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        encoding: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: Buffer.from(id),
      },
      data: sealed,
    };
  }

  decrypt(payload: Payload): Payload {
    if (!isEncrypted(payload)) {
      if (this.options.refusePlaintext)
        throw new PlaintextPayloadError(metadataText(payload, 'encoding') ?? '');
      return payload;
    }
    const id = metadataText(payload, KEY_ID_METADATA);
    if (!id) throw new MalformedEncryptedPayloadError(`no ${KEY_ID_METADATA} in its metadata`);
    const codecKey = this.byId.get(id);
    if (!codecKey) throw new UnknownEncryptionKeyError(id, [...this.byId.keys()]);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < NONCE_BYTES + TAG_BYTES)
      throw new MalformedEncryptedPayloadError(`${data.length} bytes cannot hold a nonce and a tag`, id);
    const nonce = data.subarray(0, NONCE_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const decipher = createDecipheriv(ALGORITHM, codecKey.key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new PayloadAuthenticationError(id);
    }
    try {
      return ProtoPayload.decode(plain);
    } catch (err) {
      throw new MalformedEncryptedPayloadError(`no payload inside (${String(err)})`, id);
    }
  }
}
