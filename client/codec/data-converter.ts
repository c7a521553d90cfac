// One place decides what the client and the worker send to Temporal: with a key ring, payloads
// are encrypted (AesGcmCodec) and failure messages and stack traces are encoded so the codec
// encrypts them too; without one, the SDK defaults. Client and worker call the same function,
// so they always agree.
import type { DataConverter } from '@temporalio/common';
import { AesGcmCodec } from './aes-gcm-codec';
import type { KeyRing } from './keys';

/** The module the workflow bundle and the SDK load the encoding failure converter from. */
export const ENCRYPTED_FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** `refusePlaintext`: the worker's setting (AesGcmCodec). */
export function hakubeDataConverter(
  ring: KeyRing | undefined,
  opts: { refusePlaintext?: boolean } = {},
): DataConverter | undefined {
  if (!ring) return undefined;
  return {
    payloadCodecs: [new AesGcmCodec(ring, opts)],
    failureConverterPath: ENCRYPTED_FAILURE_CONVERTER_PATH,
  };
}
