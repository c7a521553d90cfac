// Typed errors of payload encryption: a bad key configuration (bad input, exit code 2) and a
// payload that cannot be decrypted (a key that is not in the ring, tampering, garbage).

/** The key file or HAKUBE_CODEC_KEY is missing, unreadable or not a 256-bit key; `source` names it. */
export class CodecKeyError extends Error {
  constructor(
    readonly source: string,
    reason: string,
  ) {
    super(`${source}: ${reason}`);
    this.name = 'CodecKeyInvalid';
  }
}

export type DecryptionFailureReason = 'unknown-key' | 'authentication-failed' | 'malformed' | 'plaintext';

/** An encrypted payload that could not be turned back into the original. */
export class PayloadDecryptionError extends Error {
  constructor(
    readonly reason: DecryptionFailureReason,
    message: string,
    readonly keyId?: string,
  ) {
    super(message);
    this.name = 'PayloadDecryptionFailed';
  }
}

/** Encrypted with a key that is not configured (neither the current key nor a previous one). */
export class UnknownEncryptionKeyError extends PayloadDecryptionError {
  constructor(keyId: string, known: readonly string[]) {
    super(
      'unknown-key',
      `payload encrypted with key ${keyId}, which is not configured (configured: ${known.join(', ')}); add it as a previous key`,
      keyId,
    );
    this.name = 'UnknownEncryptionKey';
  }
}

/** The authentication tag did not verify: the ciphertext, nonce or tag was changed. */
export class PayloadAuthenticationError extends PayloadDecryptionError {
  constructor(keyId: string) {
    super(
      'authentication-failed',
      `payload encrypted with key ${keyId} failed authentication (tampered)`,
      keyId,
    );
    this.name = 'PayloadAuthenticationFailed';
  }
}

/** Marked as encrypted but without a key id, too short to hold a nonce and tag, or not a payload inside. */
export class MalformedEncryptedPayloadError extends PayloadDecryptionError {
  constructor(detail: string, keyId?: string) {
    super('malformed', `malformed encrypted payload: ${detail}`, keyId);
    this.name = 'MalformedEncryptedPayload';
  }
}

/**
 * A payload that is not encrypted, reaching a worker that encrypts: whoever sent it had no key
 * (a workflow started by anyone who can reach Temporal, a Web UI signal without the codec
 * server). The worker refuses it rather than act on it.
 */
export class PlaintextPayloadError extends PayloadDecryptionError {
  constructor(encoding: string) {
    super(
      'plaintext',
      `refused a ${encoding || 'payload'} that is not encrypted: this worker encrypts payloads, so whoever sent it had no key (set HAKUBE_CODEC_ALLOW_PLAINTEXT=1 only while histories from before encryption are still running)`,
    );
    this.name = 'PlaintextPayloadRefused';
  }
}
